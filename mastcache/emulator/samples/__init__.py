"""The recorded MAST responses (``data/recorded/``) and their exact-match replay: a request
that is exactly the one a sample records gets the recorded bytes.
"""
