from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("Correo electrónico"), filters=[lambda v: v.strip() if v else v],
                       validators=[DataRequired(_l("Escriba su correo.")), Email(_l("Escriba un correo válido.")),
                                   Length(max=320)])
    password = PasswordField(_l("Contraseña"), validators=[DataRequired(_l("Escriba su contraseña.")),
                                                           Length(max=1024)])
    remember = BooleanField(_l("Mantener la sesión iniciada"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Contraseña actual"),
                                     validators=[DataRequired(_l("Escriba su contraseña actual.")), Length(max=1024)])
    new_password = PasswordField(_l("Contraseña nueva"),
                                 validators=[DataRequired(_l("Escriba la contraseña nueva.")), Length(max=1024)])
    confirm = PasswordField(_l("Repita la contraseña nueva"),
                            validators=[EqualTo("new_password", _l("Las dos contraseñas nuevas no coinciden."))])
