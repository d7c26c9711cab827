"""The photo flags' hash index finds every photo within SIMILAR bits of a hash, exactly as
comparing it with every photo would, without comparing it with all."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.office.flags import SIMILAR, Hashed, HashIndex

hashes = st.integers(min_value=0, max_value=2 ** 64 - 1)


def photo(n: int, bits: int, width: int = 16) -> Hashed:
    return Hashed(n, n, "2026-01", n, bits, width, f"单位{n}")


@settings(max_examples=300)
@given(base=hashes, flips=st.sets(st.integers(0, 63), max_size=SIMILAR + 2),
       others=st.lists(hashes, max_size=40))
def test_every_hash_within_the_limit_is_found_as_a_full_comparison_finds_it(base, flips,
                                                                          others):
    near = base
    for bit in flips:
        near ^= 1 << bit
    photos = [photo(n, bits) for n, bits in enumerate([*others, near])]
    found = HashIndex(photos).near(base, 16)
    within = [p for p in photos if (p.bits ^ base).bit_count() <= SIMILAR]
    assert [p for p in found if (p.bits ^ base).bit_count() <= SIMILAR] == within
    assert (photos[-1] in found) or len(flips) > SIMILAR
    assert found == sorted(found, key=photos.index)


def test_only_photos_sharing_a_part_of_the_hash_are_compared():
    photos = [photo(n, (n * 0x9E3779B97F4A7C15) % 2 ** 64) for n in range(2000)]
    assert len(HashIndex(photos).near(photos[7].bits, 16)) < 100


def test_hashes_of_another_length_are_compared_with_every_photo():
    photos = [photo(0, 0xFFFF, 4), photo(1, 0)]
    index = HashIndex(photos)
    assert index.near(0xFFFF, 4) == photos and photos[0] in index.near(0, 16)
