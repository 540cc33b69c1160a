from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional


class ReviewForm(FlaskForm):
    state = RadioField(_l("Decisión"), choices=[
        SelectChoice("validada", _l("Validada: prueba lo que dice")),
        SelectChoice("observada", _l("Observada: tiene un problema (explíquelo)")),
    ], validate_choice=False)
    comment = TextAreaField(_l("Comentario"), validators=[Optional(), Length(max=5000)])
