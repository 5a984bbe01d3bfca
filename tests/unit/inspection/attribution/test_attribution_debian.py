from __future__ import annotations

from support.memimage import Dir, File, Hardlink, Spec, Symlink, Whiteout

from ._helpers import attribute_layers, deb, dpkg_status, installed

MERGED_USR: list[Spec] = [
    Dir("usr/lib/x86_64-linux-gnu"),
    Dir("usr/bin"),
    Symlink("lib", "usr/lib"),
    Symlink("bin", "usr/bin"),
]


def test_list_entries_resolve_through_the_merged_usr_symlinks() -> None:
    libc = {
        "usr/lib/x86_64-linux-gnu/libc.so.6": b"libc" * 100,
        "usr/share/doc/libc6/copyright": b"(c)",
    }
    listed = [
        "/.",
        "/lib",  # a symlink itself, not a file
        "/lib/x86_64-linux-gnu",
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/share/doc/libc6/copyright",
        "/lib/x86_64-linux-gnu/libc.so",  # a symlink shipped by the package
        "/usr/lib/x86_64-linux-gnu/missing.so",  # deleted later / never there
    ]
    status = File(
        "var/lib/dpkg/status",
        dpkg_status(
            installed(
                "libc6", "2.36-9", Section="libs", Installed_Size="12000", Architecture="amd64"
            )
        ),
    )
    layer = [
        *MERGED_USR,
        *deb("libc6", libc, listed_as=listed, arch="amd64"),
        Symlink("usr/lib/x86_64-linux-gnu/libc.so", "libc.so.6"),
        status,
    ]
    result = attribute_layers([layer])
    package = result.ownership.debian["libc6"]
    assert package.version == "2.36-9"
    assert package.section == "libs"
    assert package.installed_size_kib == 12000
    assert package.files == ("usr/lib/x86_64-linux-gnu/libc.so.6", "usr/share/doc/libc6/copyright")
    owner = result.owner("debian", "libc6")
    assert owner.size_bytes == 403 and owner.file_count == 2
    assert owner.version == "2.36-9"


def test_symlink_in_one_package_does_not_claim_another_packages_file() -> None:
    status = File(
        "var/lib/dpkg/status",
        dpkg_status(installed("aaa-alternatives"), installed("python3.11")),
    )
    layer = [
        Dir("usr/bin"),
        *deb("python3.11", {"usr/bin/python3.11": b"py" * 50}),
        *deb("aaa-alternatives", {}, listed_as=["/usr/bin/python3"]),
        Symlink("usr/bin/python3", "python3.11"),
        status,
    ]
    result = attribute_layers([layer])
    assert result.ownership.owner_of("usr/bin/python3.11") == "debian:python3.11"
    assert result.ownership.debian["aaa-alternatives"].files == ()


def test_only_installed_packages_count() -> None:
    status = File(
        "var/lib/dpkg/status",
        dpkg_status(
            installed("kept"),
            installed("removed", Status="deinstall ok config-files"),
            {"Package": "no-status", "Version": "1"},
        ),
    )
    layer = [
        *deb("kept", {"etc/kept.conf": b"k"}),
        *deb("removed", {"etc/removed.conf": b"r"}),
        *deb("no-status", {"etc/none.conf": b"n"}),
        status,
    ]
    result = attribute_layers([layer])
    assert set(result.ownership.debian) == {"kept"}
    assert result.ownership.owner_of("etc/removed.conf") is None
    assert result.owner("unowned", "/etc").file_count == 2


def test_files_deleted_in_a_later_layer_are_not_counted() -> None:
    status = File("var/lib/dpkg/status", dpkg_status(installed("docs")))
    files = {"usr/share/doc/docs/a.txt": b"a" * 50, "usr/share/doc/docs/b.txt": b"b" * 70}
    result = attribute_layers(
        [[*deb("docs", files), status], [Whiteout("usr/share/doc/docs/b.txt")]]
    )
    assert result.ownership.debian["docs"].files == ("usr/share/doc/docs/a.txt",)
    assert result.owner("debian", "docs").size_bytes == 50


def test_hard_links_are_owned_and_counted_once() -> None:
    status = File("var/lib/dpkg/status", dpkg_status(installed("perl-base")))
    layer = [
        *deb(
            "perl-base",
            {"usr/bin/perl": b"p" * 1000},
            listed_as=["/usr/bin/perl", "/usr/bin/perl5.36.0"],
        ),
        Hardlink("usr/bin/perl5.36.0", "usr/bin/perl"),
        status,
    ]
    result = attribute_layers([layer])
    owner = result.owner("debian", "perl-base")
    assert owner.file_count == 2 and owner.size_bytes == 1000


def test_distroless_status_d_and_md5sums() -> None:
    paragraph = dpkg_status(
        {
            "Package": "libssl3",
            "Version": "3.0.11-1",
            "Architecture": "amd64",
            "Section": "libs",
            "Installed-Size": "6200",
            "Multi-Arch": "same",
            "Description": "Secure Sockets Layer toolkit\n  shared libraries",
        }
    )
    md5sums = (
        "0123456789abcdef0123456789abcdef  usr/lib/x86_64-linux-gnu/libssl.so.3\n"
        "0123456789abcdef0123456789abcdef  usr/share/doc/libssl3/copy right\n"
        "malformed-line\n"
    )
    layer = [
        File("usr/lib/x86_64-linux-gnu/libssl.so.3", b"s" * 64),
        File("usr/share/doc/libssl3/copy right", b"c"),
        File("var/lib/dpkg/status.d/libssl3", paragraph),
        File("var/lib/dpkg/status.d/libssl3.md5sums", md5sums.encode()),
        File(
            "var/lib/dpkg/status.d/tzdata", dpkg_status({"Package": "tzdata", "Version": "2024a"})
        ),
    ]
    result = attribute_layers([layer])
    package = result.ownership.debian["libssl3"]
    assert package.version == "3.0.11-1" and package.installed_size_kib == 6200
    assert package.files == (
        "usr/lib/x86_64-linux-gnu/libssl.so.3",
        "usr/share/doc/libssl3/copy right",
    )
    assert result.ownership.debian["tzdata"].files == ()  # no md5sums: known, owns nothing
    assert not result.has_owner("debian", "tzdata")  # owners list only owners of files


def test_status_that_is_not_utf8_and_bad_fields_do_not_crash() -> None:
    status = (
        b"Package: caf\xe9\nStatus: install ok installed\nVersion: 1\n"
        b"Description: d\xe9j\xe0 vu\n \xff\xfe\n\n"
        b"garbage line without colon\n\n"
        b"Package: tools\nStatus: install ok installed\nInstalled-Size: lots\nVersion: 2\n"
    )
    layer = [File("var/lib/dpkg/status", status), *deb("tools", {"usr/bin/tool": b"t"})]
    result = attribute_layers([layer])
    assert result.ownership.debian["tools"].installed_size_kib is None
    assert result.ownership.owner_of("usr/bin/tool") == "debian:tools"


def test_two_packages_listing_one_file_first_by_name_wins() -> None:
    status = File("var/lib/dpkg/status", dpkg_status(installed("zzz"), installed("aaa")))
    layer = [
        *deb("zzz", {"usr/bin/shared": b"s"}),
        *deb("aaa", {}, listed_as=["/bin/shared"]),
        *MERGED_USR,
        status,
    ]
    result = attribute_layers([layer])
    assert result.ownership.owner_of("usr/bin/shared") == "debian:aaa"


def test_no_dpkg_database_means_no_packages() -> None:
    result = attribute_layers([[File("usr/bin/tool", b"t"), *deb("orphan", {"usr/bin/x": b"x"})]])
    assert result.ownership.debian == {}
    assert result.owner("unowned", "/usr").file_count == 2
