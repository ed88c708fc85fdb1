# firmware/firmware.mk: the SmartNIC firmware application.
