; snes.asm - SNES CPU/PPU register names for ASAR, clean-room (harness header, may be incsrc'd).
; Facts (addresses and names) from public documentation:
;   [F] nocash "fullsnes" (problemkaputt.de/fullsnes.htm), "SNES I/O Map"
;   [W] SNESdev Wiki, "MMIO registers" (snes.nesdev.org/wiki/MMIO_registers)
; Defines only (no labels), so including this header adds nothing to a program's symbol table.

; --- PPU ($2100-$213F) [F][W]
!INIDISP = $2100    ; screen display: forced blank, brightness
!OBSEL   = $2101    ; object size and base
!OAMADDL = $2102    ; OAM address low
!OAMADDH = $2103    ; OAM address high
!OAMDATA = $2104    ; OAM data write
!BGMODE  = $2105    ; BG mode and tile size
!MOSAIC  = $2106
!BG1SC   = $2107
!BG2SC   = $2108
!BG3SC   = $2109
!BG4SC   = $210A
!BG12NBA = $210B
!BG34NBA = $210C
!BG1HOFS = $210D
!BG1VOFS = $210E
!VMAIN   = $2115    ; VRAM address increment mode
!VMADDL  = $2116    ; VRAM address low
!VMADDH  = $2117    ; VRAM address high
!VMDATAL = $2118    ; VRAM data write low
!VMDATAH = $2119    ; VRAM data write high
!CGADD   = $2121    ; CGRAM (palette) address
!CGDATA  = $2122    ; CGRAM data write
!TM      = $212C    ; main screen designation
!TS      = $212D    ; sub screen designation
!SLHV    = $2137    ; latch H/V counters (read)
!OAMDATAREAD = $2138
!VMDATALREAD = $2139
!VMDATAHREAD = $213A
!CGDATAREAD  = $213B
!OPHCT   = $213C    ; horizontal counter (read twice)
!OPVCT   = $213D    ; vertical counter (read twice)
!STAT77  = $213E
!STAT78  = $213F

; --- APU I/O ports ($2140-$2143) [F][W]
!APUIO0  = $2140
!APUIO1  = $2141
!APUIO2  = $2142
!APUIO3  = $2143

; --- WRAM port ($2180-$2183) [F][W]
!WMDATA  = $2180    ; WRAM data read/write, address auto-increments
!WMADDL  = $2181    ; WRAM address bits 0-7
!WMADDM  = $2182    ; WRAM address bits 8-15
!WMADDH  = $2183    ; WRAM address bit 16

; --- Joypad serial ($4016-$4017) [F]
!JOYSER0 = $4016
!JOYSER1 = $4017

; --- CPU control ($4200-$421F) [F][W]
!NMITIMEN = $4200   ; NMI/IRQ enable, joypad auto-read
!WRIO    = $4201
!WRMPYA  = $4202    ; multiplicand (8-bit, unsigned)
!WRMPYB  = $4203    ; multiplier; writing starts the 8x8 multiply (8 CPU cycles)
!WRDIVL  = $4204    ; dividend low (16-bit, unsigned)
!WRDIVH  = $4205    ; dividend high
!WRDIVB  = $4206    ; divisor; writing starts the 16/8 divide (16 CPU cycles)
!HTIMEL  = $4207
!HTIMEH  = $4208
!VTIMEL  = $4209
!VTIMEH  = $420A
!MDMAEN  = $420B    ; general DMA enable (not modelled by the harness emulator)
!HDMAEN  = $420C    ; HDMA enable
!MEMSEL  = $420D    ; bit 0: FastROM (banks $80-$FF at 6 master clocks)
!RDNMI   = $4210    ; NMI flag and CPU version (read)
!TIMEUP  = $4211    ; IRQ flag (read)
!HVBJOY  = $4212    ; V-blank, H-blank, joypad auto-read busy (read)
!RDIO    = $4213
!RDDIVL  = $4214    ; quotient low
!RDDIVH  = $4215    ; quotient high
!RDMPYL  = $4216    ; product low, or remainder low after a divide
!RDMPYH  = $4217    ; product high, or remainder high after a divide
!JOY1L   = $4218    ; auto-read joypad 1 low byte (AXLR----)
!JOY1H   = $4219    ; auto-read joypad 1 high byte (BYsSudlr)
!JOY2L   = $421A
!JOY2H   = $421B

; --- DMA channel 0 ($4300-$430A); channel n is at $43n0 [F][W]
!DMAP0   = $4300
!BBAD0   = $4301
!A1T0L   = $4302
!A1T0H   = $4303
!A1B0    = $4304
!DAS0L   = $4305
!DAS0H   = $4306

; --- Joypad bits of JOY1H/JOY1L as a 16-bit word read from $4218 [F][W]
!JOY_B      = $8000
!JOY_Y      = $4000
!JOY_SELECT = $2000
!JOY_START  = $1000
!JOY_UP     = $0800
!JOY_DOWN   = $0400
!JOY_LEFT   = $0200
!JOY_RIGHT  = $0100
!JOY_A      = $0080
!JOY_X      = $0040
!JOY_L      = $0020
!JOY_R      = $0010
