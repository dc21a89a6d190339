from vectora_gitops.cli import main


def test_validate_repository_passes() -> None:
    assert main(["validate"]) == 0
