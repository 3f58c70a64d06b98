"""The real NICE CXone admin API (`cxone-admin`): parameter-block models, a typed client and,
in `emulator/`, a local stand-in built from the public record. Import from the modules
(`blocks`, `client`, ...): importing this package loads nothing."""
