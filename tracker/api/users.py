from flask_login import current_user

from tracker.api.core import dump, given_fields, json_response, paginated, parse_body, route
from tracker.api.params import SearchText
from tracker.api.schemas import RoleName, UserIn, UserOut, UserPatch
from tracker.auth.models import User
from tracker.database import get_or_404
from tracker.extensions import db
from tracker.users import queries, services


class UserQuery(SearchText):
    role: RoleName | None = None


@route("/users", "GET", summary="Daftar pengguna", tag="users", response=UserOut, many=True,
       permission="users.manage", query=UserQuery)
def list_users(params: UserQuery):
    stmt = queries.user_list(params.q.strip(), params.role)
    return paginated(stmt, lambda u: dump(UserOut, u))


@route("/users", "POST", summary="Tambah pengguna", tag="users", body=UserIn, response=UserOut, status=201,
       permission="users.manage")
def create_user():
    body = parse_body(UserIn)
    user = services.create_user(services.UserInput(**body.model_dump()), actor=current_user)
    db.session.commit()
    return json_response(dump(UserOut, user), 201)


@route("/users/<int:user_id>", "GET", summary="Satu pengguna", tag="users", response=UserOut,
       permission="users.manage")
def get_user(user_id: int):
    return json_response(dump(UserOut, get_or_404(User, user_id)))


@route("/users/<int:user_id>", "PATCH", summary="Ubah pengguna (peran, OPD, status aktif)", tag="users",
       body=UserPatch, response=UserOut, permission="users.manage")
def patch_user(user_id: int):
    user = get_or_404(User, user_id)
    changes = given_fields(parse_body(UserPatch))
    version = changes.pop("version")
    active = changes.pop("active", None)
    services.update_user(user, changes, actor=current_user, expected_version=version)
    if active is not None:
        services.set_active(user, active, actor=current_user)
    db.session.commit()
    return json_response(dump(UserOut, user))
