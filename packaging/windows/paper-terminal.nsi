; Paper Terminal — Windows installer (NSIS 3; Debian's `nsis` package compiles it on Linux too).
;
; Per-user: no administrator rights; installs into %LOCALAPPDATA%\Programs\Paper Terminal, adds a
; Start-menu shortcut and, if ticked, a desktop one, and registers an uninstaller in
; "Apps & features" (HKCU). The uninstaller removes the program; the journal, config.toml and the
; API tokens (%LOCALAPPDATA%\paper-terminal, platformdirs' folder) and the window layout
; (HKCU\Software\PaperTerminal) stay unless the user ticks "Also remove my data".
;
; makensis -DVERSION=0.1.0 -DBUNDLE=dist\paper-terminal -DOUTFILE=dist\PaperTerminal-0.1.0-setup.exe
;          [-DSIGN="command %1"] packaging\windows\paper-terminal.nsi
; BUNDLE is the PyInstaller folder holding "Paper Terminal.exe", "paper-terminal.exe" and _internal.
; SIGN, when given, signs the uninstaller and then the installer (Authenticode; packaging/README.md).

Unicode true
!include "MUI2.nsh"
!include "nsDialogs.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

!ifndef VERSION
  !error "give -DVERSION=x.y.z"
!endif
!ifndef BUNDLE
  !error "give -DBUNDLE=path\to\the\PyInstaller\folder"
!endif
!ifndef OUTFILE
  !define OUTFILE "PaperTerminal-${VERSION}-setup.exe"
!endif
!define APPNAME "Paper Terminal"
!define EXE "Paper Terminal.exe"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\PaperTerminal"
!define DATADIR "$LOCALAPPDATA\paper-terminal"
!define QTSETTINGS "Software\PaperTerminal"
!ifndef ICON
  !define ICON "resources/icons/paper-terminal.ico"  ; makensis runs with -NOCD from the checkout
!endif

!ifdef SIGN
  !uninstfinalize '${SIGN}'
  !finalize '${SIGN}'
!endif

Name "${APPNAME}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${APPNAME}"
InstallDirRegKey HKCU "${UNINSTKEY}" "InstallLocation"
SetCompressor /SOLID lzma
BrandingText "${APPNAME} ${VERSION}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APPNAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APPNAME} installer"
VIAddVersionKey "LegalCopyright" "Paper Terminal"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APPNAME}"
!define MUI_COMPONENTSPAGE_NODESC

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
UninstPage custom un.DataPage un.DataPageLeave
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Section "${APPNAME}" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; A newer version replaces the program files; the user's data is elsewhere and is kept.
  RMDir /r "$INSTDIR\_internal"
  File /r "${BUNDLE}\*.*"
  WriteUninstaller "$INSTDIR\Uninstall.exe"
  CreateShortcut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "Paper Terminal"
  WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\${EXE},0"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKCU "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTKEY}" "EstimatedSize" $0
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\${APPNAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
SectionEnd

; --- uninstaller ------------------------------------------------------------------------------
Var RemoveData
Var RemoveDataBox

Function un.DataPage
  !insertmacro MUI_HEADER_TEXT "Your data" "The trade journal and settings are kept unless you say otherwise."
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0 100% 36u "Your journal (paper.db), config.toml and API tokens are in ${DATADIR}. \
They are kept, so a later install continues where you left off."
  Pop $0
  ${NSD_CreateCheckbox} 0 44u 100% 12u "Also remove my data (journal, settings, API tokens, window layout)"
  Pop $RemoveDataBox
  ${NSD_SetState} $RemoveDataBox ${BST_UNCHECKED}
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $RemoveDataBox $RemoveData
FunctionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  Delete "$DESKTOP\${APPNAME}.lnk"
  ; Only what the installer put there: never a recursive delete of a folder the user chose.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\paper-terminal.exe"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTKEY}"
  ${If} $RemoveData == ${BST_CHECKED}
    RMDir /r "${DATADIR}"
    DeleteRegKey HKCU "${QTSETTINGS}"
  ${EndIf}
SectionEnd
