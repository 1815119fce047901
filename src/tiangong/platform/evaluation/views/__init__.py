"""Pages of the evaluation app, one module per audience; every read through restrict() /
get_scoped_or_404() (core scope), the public 公示 list being the one page without sign-in."""
