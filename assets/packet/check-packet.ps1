# Checks every file listed in SHA256SUMS against its SHA-256, without Daybook (Windows).
# In PowerShell, in the packet folder:
#   powershell -ExecutionPolicy Bypass -File check-packet.ps1
# Prints OK, or the first file that is missing or does not match (and then exits 1).
$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot
$count = 0
foreach ($line in Get-Content -LiteralPath 'SHA256SUMS') {
    if ($line -eq '') { continue }
    $expected, $file = $line -split '  ', 2
    $path = Join-Path $PSScriptRoot $file
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        Write-Output "MISSING: $file"
        exit 1
    }
    $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $path).Hash.ToLowerInvariant()
    if ($actual -ne $expected) {
        Write-Output "MISMATCH: $file"
        Write-Output "  SHA256SUMS says $expected"
        Write-Output "  the file has    $actual"
        exit 1
    }
    $count++
}
Write-Output "OK: all $count files match SHA256SUMS."
