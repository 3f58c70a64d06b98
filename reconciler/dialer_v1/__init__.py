"""The modelled dialer API (`dialer-v1`): its bodies, typed client and, in `emulator/`, a
local stand-in. Import from the modules (`client`, `bodies`, `errors`...): importing this
package loads nothing, so the spec layer can use `bodies` without the HTTP stack."""
