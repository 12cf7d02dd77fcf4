from coder.core.code_tree import tree_order


def test_children_follow_their_parent_at_any_depth():
    items = [("a", None), ("b", None), ("a1", "a"), ("b1", "b"), ("a11", "a1"), ("a2", "a")]
    got = [(name, depth) for (name, _p), depth in tree_order(items, lambda i: i[0], lambda i: i[1])]
    assert got == [("a", 0), ("a1", 1), ("a11", 2), ("a2", 1), ("b", 0), ("b1", 1)]


def test_missing_parents_and_cycles_drop_nothing():
    items = [("orphan", "gone"), ("x", "y"), ("y", "x")]
    got = [name for (name, _p), _d in tree_order(items, lambda i: i[0], lambda i: i[1])]
    assert sorted(got) == ["orphan", "x", "y"] and got[0] == "orphan"
