"""Keys that need escaping in the listing's JSON (quotes, backslashes, control
characters, non-ASCII) come back from tfmeta.open exactly as saved."""
import numpy as np

import tfmeta

KEYS = ['plain/kernel', 'quote"d', 'back\\slash', 'new\nline', 'tab\tand\x01ctl', 'unicode/\u00e9\u4e2d\U0001f600',
        'slash/']


def test_escaped_keys_round_trip(tmp_path):
    arrays = {k: np.full((2,), i, np.int32) for i, k in enumerate(KEYS)}
    prefix = tfmeta.save(arrays, tmp_path / "ckpt")
    with tfmeta.open(prefix) as f:
        assert f.keys() == sorted(KEYS, key=lambda k: k.encode())
        for i, k in enumerate(KEYS):
            assert f.dtypes[k] == "int32" and f.shapes[k] == [2], k
            assert f.get_tensor(k).tolist() == [i, i], k
