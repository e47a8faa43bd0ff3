"""User administration pages: list, create, edit, reset password, activate/deactivate.

The rules live in ``tracker.users.services`` (they validate, change, end sessions and audit); these
views read the forms, call them and commit once.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from tracker.auth.forms import EmptyForm
from tracker.auth.models import ROLE_VALUES, LoginSession, Role, User
from tracker.authz import ROLE_LABELS, permission_required
from tracker.database import get_or_404
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.forms import form_version
from tracker.reference.models import Agency, Company
from tracker.users import bp, queries, services
from tracker.users.forms import ResetPasswordForm, UserCreateForm, UserEditForm
from tracker.web import apply_errors, form_status, page_arg, redirect_next, save_form

PER_PAGE = 50


def role_labels() -> dict[str, str]:
    return {role.value: _(label) for role, label in ROLE_LABELS.items()}


def _me() -> User:
    return current_user._get_current_object()


def _fill_choices(form) -> None:
    form.role.choices = [("", _("— pilih peran —"))] + list(role_labels().items())
    agencies = db.session.execute(
        select(Agency.id, Agency.code, Agency.name, Agency.active).order_by(Agency.code)).all()
    form.agency_id.choices = [("", _("— pilih OPD —"))] + [
        (a.id, f"{a.code} · {a.name}" + ("" if a.active else " " + _("(nonaktif)"))) for a in agencies]
    companies = db.session.execute(select(Company.id, Company.name, Company.active).order_by(Company.name)).all()
    form.company_id.choices = [("", _("— pilih perusahaan —"))] + [
        (c.id, c.name + ("" if c.active else " " + _("(nonaktif)"))) for c in companies]


def _binding(form) -> tuple[int | None, int | None]:
    """Only the binding that belongs to the chosen role is sent; the other select may be stale."""
    role = form.role.data
    return (form.agency_id.data if role == Role.AGENCY else None,
            form.company_id.data if role == Role.COMPANY else None)


@bp.route("/")
@permission_required("users.manage")
def index():
    q = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    role = role if role in ROLE_VALUES else ""
    status = request.args.get("status", "")
    stmt = queries.user_list(q, role or None, {"active": True, "inactive": False}.get(status))
    pagination = db.paginate(stmt, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("users/index.html", pagination=pagination, q=q, role=role, status=status,
                           role_labels=role_labels())


@bp.route("/new", methods=["GET", "POST"])
@permission_required("users.manage")
def create():
    form = UserCreateForm()
    _fill_choices(form)
    if form.validate_on_submit():
        agency_id, company_id = _binding(form)
        data = services.UserInput(
            username=form.username.data, full_name=form.full_name.data, email=form.email.data,
            role=form.role.data, agency_id=agency_id, company_id=company_id, password=form.password.data,
        )
        try:
            user = services.create_user(data, actor=_me())
        except ValidationFailed as err:
            db.session.rollback()
            apply_errors(form, err)
        else:
            db.session.commit()
            flash(_("Pengguna %(name)s dibuat.", name=user.username), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/create.html", form=form)


@bp.route("/binding")
@permission_required("users.manage")
def binding():
    """The OPD / company select that fits the chosen role (htmx swaps it in when the role changes)."""
    form = UserEditForm(formdata=request.args)
    _fill_choices(form)
    return render_template("users/_binding.html", form=form)


def _render_edit(user: User, form: UserEditForm, status: int = 200):
    sessions = db.session.scalar(select(func.count()).select_from(LoginSession)
                                 .where(LoginSession.user_id == user.id))
    return render_template("users/edit.html", user=user, form=form, sessions=sessions,
                           role_labels=role_labels(), action_form=EmptyForm()), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@permission_required("users.manage")
def edit(user_id: int):
    user = get_or_404(User, user_id)
    # On POST only what was posted counts (a missing version is stale, never 'current').
    form = UserEditForm(obj=user) if request.method == "GET" else UserEditForm()
    _fill_choices(form)
    if form.validate_on_submit():
        agency_id, company_id = _binding(form)
        changes = {"full_name": form.full_name.data, "email": form.email.data, "role": form.role.data,
                   "agency_id": agency_id, "company_id": company_id}
        saved = save_form(form, lambda: services.update_user(user, changes, actor=_me(),
                                                             expected_version=form_version(form)))
        if saved is not None:
            flash(_("Perubahan pengguna %(name)s disimpan.", name=user.username), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    return _render_edit(user, form, form_status(form))


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@permission_required("users.manage")
def reset_password(user_id: int):
    user = get_or_404(User, user_id)
    if user.id == _me().id:
        flash(_("Untuk akun Anda sendiri, gunakan menu Ganti kata sandi."), "info")
        return redirect(url_for("auth.change_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.password.data, actor=_me())
        except ValidationFailed as err:
            db.session.rollback()
            apply_errors(form, err)
        else:
            db.session.commit()
            flash(_("Kata sandi %(name)s telah direset. Semua sesinya diakhiri dan ia wajib menggantinya "
                    "saat masuk berikutnya.", name=user.username), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/password.html", user=user, form=form)


def _set_active(user_id: int, active: bool):
    user = get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        try:
            services.set_active(user, active, actor=_me())
        except ValidationFailed as err:
            db.session.rollback()
            flash(err.message, "danger")
        else:
            db.session.commit()
            if active:
                flash(_("Pengguna %(name)s diaktifkan kembali.", name=user.username), "success")
            else:
                flash(_("Pengguna %(name)s dinonaktifkan; semua sesinya diakhiri.", name=user.username), "success")
    return redirect_next("users.index")


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@permission_required("users.manage")
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/<int:user_id>/activate", methods=["POST"])
@permission_required("users.manage")
def activate(user_id: int):
    return _set_active(user_id, True)
