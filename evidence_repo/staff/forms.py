from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional


class EvidenceFieldsMixin:
    milestone = SelectField(_l("Meta"), coerce=str, validate_choice=False)
    activity = SelectField(_l("Actividad (opcional)"), coerce=str, validate_choice=False)
    means = SelectField(_l("Medio de verificación"), coerce=str, validate_choice=False)
    title = StringField(_l("Título"), validators=[Optional(), Length(max=300)])
    date = StringField(_l("Fecha de la sesión"), validators=[Optional(), Length(max=40)],
                       render_kw={"type": "date"})
    description = TextAreaField(_l("Descripción"), validators=[Optional(), Length(max=10_000)])
    visibility = RadioField(
        _l("Visibilidad"),
        choices=[SelectChoice("public", _l("Pública: cualquiera puede verla y descargarla")),
                 SelectChoice("restricted",
                              _l("Restringida: contiene datos personales; sólo la ve el personal y el comité"))],
        default="public",
    )


class UploadForm(EvidenceFieldsMixin, FlaskForm):
    commitment = SelectField(_l("Compromiso"), coerce=str, validate_choice=False)
    files = MultipleFileField(_l("Archivos"))


class EditForm(EvidenceFieldsMixin, FlaskForm):
    pass


class ReplaceForm(FlaskForm):
    file = FileField(_l("Nuevo archivo"))
