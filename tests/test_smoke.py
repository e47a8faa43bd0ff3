from tests.conftest import login


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Nama pengguna" in response.get_data(as_text=True)


def test_login_and_home(client, make_user):
    user = make_user(role="admin")
    response = login(client, user)
    assert response.status_code in (302, 303)
    page = client.get("/")
    assert page.status_code == 200
    assert "Selamat datang" in page.get_data(as_text=True)
