from tests import factories


def test_issue_and_read_back(app, actor):
    result = app.execute(factories.issue_policy(), actor)
    assert result.positions and not result.duplicate
