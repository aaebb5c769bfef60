from members.selectors import members_visible_to


def test_director_sees_every_member(world, director):
    assert set(members_visible_to(director)) == {world["alice"], world["bob"]}


def test_organizer_sees_only_members_of_assigned_local(world, organizer):
    assert list(members_visible_to(organizer)) == [world["alice"]]


def test_mobilizer_sees_members_of_assigned_campaigns(world, mobilizer):
    assert list(members_visible_to(mobilizer)) == [world["alice"]]


def test_organizer_without_scope_sees_nobody(world, outsider):
    assert not members_visible_to(outsider).exists()
