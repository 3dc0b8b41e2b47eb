<#
.SYNOPSIS
  Registers the IdentityIQ Leaver SLA watchdog as a Windows scheduled task (every 15 minutes).

.DESCRIPTION
  Run in an elevated PowerShell (5.1 or 7). Creates the data folder and its log folder, limits
  the data folder to Administrators, SYSTEM and the task's account, fills the paths and the
  account into iiq-leaver-sla-watchdog.xml and registers it. Run `check` first (see the end).

.EXAMPLE
  # A domain or local account: prompts for its password (stored by Task Scheduler, not here).
  .\register-task.ps1 -User 'CORP\svc-leaver-watchdog'

.EXAMPLE
  # A group managed service account (no password anywhere): note the trailing $.
  .\register-task.ps1 -User 'CORP\gmsa-leaverwd$'
#>
[CmdletBinding()]
param(
  [Parameter(Mandatory = $true)][string] $User,
  [string] $TaskName = 'iiq-leaver-sla-watchdog',
  [string] $NodeExe = 'C:\Program Files\nodejs\node.exe',
  [string] $InstallDir = 'C:\Program Files\iiq-leaver-sla-watchdog',
  [string] $DataDir = 'C:\ProgramData\iiq-leaver-sla-watchdog',
  [string] $TemplatePath = (Join-Path $PSScriptRoot 'iiq-leaver-sla-watchdog.xml')
)
$ErrorActionPreference = 'Stop'

foreach ($path in @($NodeExe, (Join-Path $InstallDir 'dist\src\cli.js'), (Join-Path $DataDir 'config.json'), (Join-Path $DataDir 'watchdog.env'))) {
  if (-not (Test-Path -LiteralPath $path)) { throw "missing: $path" }
}
New-Item -ItemType Directory -Force -Path (Join-Path $DataDir 'logs') | Out-Null

# Secrets and state: Administrators (S-1-5-32-544), SYSTEM (S-1-5-18) and the task's account only.
& icacls.exe $DataDir /inheritance:r /grant:r '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-18:(OI)(CI)F' "${User}:(OI)(CI)M" | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls failed on $DataDir (exit $LASTEXITCODE)" }

function ConvertTo-XmlText([string] $text) { [System.Security.SecurityElement]::Escape($text) }
$xml = Get-Content -LiteralPath $TemplatePath -Raw
$xml = $xml.Replace('C:\Program Files\nodejs\node.exe', (ConvertTo-XmlText $NodeExe))
$xml = $xml.Replace('C:\Program Files\iiq-leaver-sla-watchdog', (ConvertTo-XmlText $InstallDir))
$xml = $xml.Replace('C:\ProgramData\iiq-leaver-sla-watchdog', (ConvertTo-XmlText $DataDir))

$xml = $xml.Replace('<UserId>CORP\svc-leaver-watchdog</UserId>', "<UserId>$(ConvertTo-XmlText $User)</UserId>")
# Both kinds of account keep the template's <LogonType>Password</LogonType>: Microsoft's task schema has no
# ServiceAccount logon type, and for a gMSA Windows fetches the password from AD (none is given here).
if ($xml -notmatch '<LogonType>Password</LogonType>') { throw "the template must keep <LogonType>Password</LogonType>: $TemplatePath" }

if ($User.EndsWith('$')) {
  # gMSA: the host must be allowed to retrieve its password (Test-ADServiceAccount on this host returns True).
  Register-ScheduledTask -TaskName $TaskName -Xml $xml -Force | Out-Null
} else {
  $credential = Get-Credential -UserName $User -Message "Password of $User (Task Scheduler stores it to run the task)"
  Register-ScheduledTask -TaskName $TaskName -Xml $xml -User $User -Password $credential.GetNetworkCredential().Password -Force | Out-Null
}

Write-Host "Registered task '$TaskName' (every 15 minutes, as $User)."
Write-Host 'Check the setup before the first cycle (as that account, or with the same env file):'
Write-Host "  & '$NodeExe' --env-file='$DataDir\watchdog.env' '$InstallDir\dist\src\cli.js' check --config '$DataDir\config.json'"
Write-Host "Start one cycle now:  Start-ScheduledTask -TaskName '$TaskName'"
Write-Host "Last result (exit code): (Get-ScheduledTaskInfo -TaskName '$TaskName').LastTaskResult"
