# hostd/hostd.mk: the host daemon.
