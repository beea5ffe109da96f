"""core.heap, each case in a fresh interpreter: the collector's state is the whole process's."""

import subprocess
import sys
import textwrap

import pytest


def run(script: str) -> None:
    done = subprocess.run([sys.executable, "-c", "import gc\n" + textwrap.dedent(script)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_frozen_while_freezes_the_heap_for_the_block_only():
    run("""
        from core.heap import frozen_while
        assert gc.get_freeze_count() == 0
        with frozen_while():
            assert gc.get_freeze_count() > 0
            made = [object()]
            assert gc.is_tracked(made)  # what the block makes is collected as usual
        assert gc.get_freeze_count() == 0
    """)


def test_frozen_while_leaves_a_heap_frozen_already_as_it_is():
    run("""
        from core.heap import frozen_while
        gc.freeze()
        count = gc.get_freeze_count()
        with frozen_while():
            pass
        assert gc.get_freeze_count() == count
    """)


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_paused_restores_what_was_there(enabled):
    run(f"""
        from core.heap import collector_paused
        (gc.enable if {enabled} else gc.disable)()
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is {enabled}
    """)


def test_freeze_for_life_frees_the_garbage_first_and_freezes_once():
    run("""
        import weakref
        from core.heap import freeze_for_life
        class Cycle: pass
        a = Cycle(); a.me = a; gone = weakref.ref(a); del a
        freeze_for_life()
        assert gone() is None, "garbage was frozen"
        count = gc.get_freeze_count()
        assert count > 0
        kept = [object() for _ in range(3)]
        freeze_for_life()
        assert gc.get_freeze_count() == count, "frozen twice"
    """)
