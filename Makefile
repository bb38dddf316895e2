# The two commands. Each installs what it needs first (idempotent).
.PHONY: demo test
demo:
	@bash scripts/demo.sh
test:
	@bash scripts/test.sh
