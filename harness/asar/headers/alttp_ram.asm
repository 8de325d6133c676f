; alttp_ram.asm - a small clean-room RAM map of "The Legend of Zelda: A Link to the Past" (US), for
; tasks in the ALTTP style. Facts only (addresses and meanings), each from public documentation:
;   [D] Data Crystal, "The Legend of Zelda: A Link to the Past:RAM map"
;       (datacrystal.tcrf.net/wiki/The_Legend_of_Zelda:_A_Link_to_the_Past/RAM_map)
;   [Z] snesrev/zelda3 (MIT), variables.h: names of the same WRAM locations in the C reimplementation
; Sprite tables hold 16 slots indexed by X (0-15), one byte per slot: table + X.
; Note: $0E20,X is the sprite TYPE, not its hit points; hit points are $0E50,X. [D][Z]
; Defines only, so including this header adds nothing to a program's symbol table.

; --- Frame and game state (bank $7E, reachable through the $0000-$1FFF low mirror) [D][Z]
!MAIN_MODULE   = $0010   ; main game module index
!SUB_MODULE    = $0011   ; submodule index
!FRAME_COUNTER = $001A   ; increments once per frame

; --- Joypad 1, as the game's NMI handler stores it [D][Z]
!JOY1_HELD_BYST  = $00F0 ; held: B Y Select Start up down left right
!JOY1_HELD_AXLR  = $00F2 ; held: A X L R
!JOY1_NEW_BYST   = $00F4 ; newly pressed this frame: B Y Select Start up down left right
!JOY1_NEW_AXLR   = $00F6 ; newly pressed this frame: A X L R

; --- Link [D][Z]
!LINK_Y_LO     = $0020   ; Link's Y coordinate, low byte
!LINK_Y_HI     = $0021
!LINK_X_LO     = $0022   ; Link's X coordinate, low byte
!LINK_X_HI     = $0023
!LINK_DIRECTION = $002F  ; facing: 0 up, 2 down, 4 left, 6 right

; --- Sprite (enemy/object) tables, 16 slots, index X [D][Z]
!SPR_Y_LO      = $0D00   ; Y coordinate low byte
!SPR_X_LO      = $0D10   ; X coordinate low byte
!SPR_Y_HI      = $0D20   ; Y coordinate high byte
!SPR_X_HI      = $0D30   ; X coordinate high byte
!SPR_STATE     = $0DD0   ; state: 0 = slot free (dead/inactive), 9 = active
!SPR_TIMER_A   = $0DF0   ; general-purpose countdown timer
!SPR_TYPE      = $0E20   ; sprite type (which enemy or object)
!SPR_HP        = $0E50   ; hit points

; --- Saved game state in bank $7E, page $F3 [D][Z]
!SRAM_RUPEES_GOAL    = $7EF360  ; rupee count being counted up to (16-bit)
!SRAM_RUPEES_SHOWN   = $7EF362  ; rupee count displayed (16-bit)
!SRAM_BOMBS          = $7EF343  ; bombs carried
!SRAM_MAX_HEALTH     = $7EF36C  ; maximum health, 8 per heart container
!SRAM_HEALTH         = $7EF36D  ; current health, 8 per heart
!SRAM_MAGIC          = $7EF36E  ; magic power
!SRAM_ARROWS         = $7EF377  ; arrows carried
