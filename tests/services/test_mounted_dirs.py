from dorgu.services.mounted_dirs import MAX_FILES, read_mounted_directory


def _never_secret(name: str, text: str) -> bool:
    return name.endswith(".pem")


def test_a_small_flat_text_directory_is_copied(tmp_path):
    (tmp_path / "a.conf").write_text("server {}\n")
    (tmp_path / "b.conf").write_text("server {}\n")
    files = read_mounted_directory("conf", tmp_path, looks_secret=_never_secret)
    assert [f.source for f in files] == ["conf/a.conf", "conf/b.conf"]


def test_directories_with_secrets_binaries_subdirectories_or_too_many_files_are_not(tmp_path):
    cases = {
        "secret": lambda d: (d / "key.pem").write_text("x"),
        "binary": lambda d: (d / "logo.png").write_bytes(b"\x89PNG\x00\x00"),
        "nested": lambda d: (d / "sub").mkdir(),
        "many": lambda d: [(d / f"{i}.conf").write_text("x") for i in range(MAX_FILES + 1)],
    }
    for name, make in cases.items():
        directory = tmp_path / name
        directory.mkdir()
        (directory / "ok.conf").write_text("ok\n")
        make(directory)
        assert read_mounted_directory(name, directory, looks_secret=_never_secret) == [], name


def test_a_symlink_inside_is_refused(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    directory = tmp_path / "conf"
    directory.mkdir()
    (directory / "link.conf").symlink_to(outside)
    assert read_mounted_directory("conf", directory, looks_secret=_never_secret) == []
