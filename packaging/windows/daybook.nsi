; Daybook for Windows: a per-user installer, written by hand for Debian's makensis because
; Tauri's own NSIS bundler downloads nsis_tauri_utils.dll at every run and cannot work offline
; (docs/packaging.md, "Windows"). scripts/windows --installer builds it:
;   makensis -DVERSION=0.1.0 -DBINDIR=<folder with the .exe files> -DOUTFILE=<setup.exe> daybook.nsi
;
; Per user, in %LOCALAPPDATA%\Programs\Daybook, with no administrator prompt: the journal is one
; person's, and a shared computer's other accounts need not learn that Daybook is installed.
; The Start-menu entry is named only "Daybook" for the same reason.

; A 64-bit installer for a 64-bit app: it runs under Debian's 64-bit-only Wine, which cannot
; start NSIS's usual 32-bit stub without the i386 wine32 package.
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user

!ifndef VERSION
  !error "VERSION is required: makensis -DVERSION=0.1.0 ..."
!endif
!ifndef BINDIR
  !error "BINDIR is required: the folder holding daybook.exe, daybook-desktop.exe and WebView2Loader.dll"
!endif
!ifndef OUTFILE
  !define OUTFILE "Daybook-${VERSION}-setup.exe"
!endif

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Daybook"

Name "Daybook"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\Daybook"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
ShowInstDetails nevershow
ShowUninstDetails nevershow

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "Daybook"
VIAddVersionKey "FileDescription" "Daybook installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "AGPL-3.0-or-later"

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Section "Daybook"
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  File "${BINDIR}\daybook-desktop.exe"
  File "${BINDIR}\daybook.exe"
  ; The WebView2 loader tauri-build puts beside the app; the WebView2 runtime itself ships with
  ; Windows 10 and 11.
  File "${BINDIR}\WebView2Loader.dll"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\Daybook.lnk" "$INSTDIR\daybook-desktop.exe"

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "Daybook"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\daybook-desktop.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

; Removes the program and its traces in the Start menu and the registry. The journal is not in
; the install folder and is never touched: uninstalling must not destroy evidence.
Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\Daybook.lnk"
  Delete "$INSTDIR\daybook-desktop.exe"
  Delete "$INSTDIR\daybook.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd
