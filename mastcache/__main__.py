from mastcache.cli import run

run()
