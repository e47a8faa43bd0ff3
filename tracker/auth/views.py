from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.audit import services as audit
from tracker.auth import bp, services, throttle
from tracker.auth.forms import ChangePasswordForm, EmptyForm, LanguageForm, LoginForm
from tracker.auth.sessions import end_session, start_session
from tracker.errors import RateLimited, ValidationFailed
from tracker.extensions import db
from tracker.web import apply_errors, is_safe_next, redirect_next


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect_next()
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        ip = request.remote_addr or ""
        try:
            throttle.check(form.username.data, ip)
        except RateLimited as err:
            flash(err.message, "danger")
            return render_template("auth/login.html", form=form), 429
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            throttle.record_failure(form.username.data, ip)
            # One message whether the user exists or not.
            flash(_("Nama pengguna atau kata sandi salah."), "danger")
            return render_template("auth/login.html", form=form), 401
        throttle.clear(user.username)
        start_session(user)
        audit.record("login", "user", user.id, summary=f"{user.username} masuk", actor=user)
        db.session.commit()
        if user.must_change_password:
            flash(_("Silakan ganti kata sandi yang diberikan administrator."), "warning")
            return redirect(url_for("auth.change_password"))
        target = form.next.data
        return redirect(target if is_safe_next(target) else url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if EmptyForm().validate_on_submit() and current_user.is_authenticated:
        end_session(current_user._get_current_object())
        db.session.commit()
        flash(_("Anda telah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_own_password(user, form.current_password.data, form.new_password.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            start_session(user)  # this browser stays signed in under a new session
            db.session.commit()
            flash(_("Kata sandi berhasil diganti."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.language = form.lang.data
            db.session.commit()
    return redirect_next()
