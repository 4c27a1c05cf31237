"""SeenNotices: a stored file's notice is taken once, a notice without a file always."""

from workflows.notices import SeenNotices


def test_a_files_notice_is_taken_the_first_time_only() -> None:
    seen = SeenNotices()
    assert seen.first_sight("ack:999", 7)
    assert not seen.first_sight("ack:999", 7)
    assert seen.first_sight("ack:277CA", 7)  # another notice of the same file
    assert seen.first_sight("ack:999", 8)  # the same notice of another file


def test_a_notice_without_a_stored_file_is_always_taken() -> None:
    seen = SeenNotices()
    assert seen.first_sight("authorization", 0)
    assert seen.first_sight("authorization", 0)
    assert seen.keys == set()
