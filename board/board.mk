# board/board.mk: per-board build settings. Only this fragment and the
# files under board/<name>/ may differ between boards.
include build/image.mk
-include board/$(BOARD)/board.mk
