# Authenticode-sign one file on Windows with signtool (the release workflow; makensis calls it for
# the uninstaller and the installer). The certificate comes from WINDOWS_CERT_PFX (a .pfx path)
# and WINDOWS_CERT_PASSWORD; the signature is timestamped (RFC 3161) so it outlives the certificate.
param([Parameter(Mandatory = $true)][string]$File)
$ErrorActionPreference = "Stop"
$signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
    Sort-Object FullName | Select-Object -Last 1
& $signtool.FullName sign /fd sha256 /td sha256 /tr "http://timestamp.digicert.com" `
    /f $env:WINDOWS_CERT_PFX /p $env:WINDOWS_CERT_PASSWORD /d "Paper Terminal" $File
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& $signtool.FullName verify /pa /v $File
exit $LASTEXITCODE
