using System.Text;
using LlmCompiler.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace LlmCompiler.Build.OutOfProcess;

/// <summary>
/// Runs <c>dotnet llmc-verify.dll</c> and relays what it prints: its canonical <c>file(line,col): error CODE: …</c> lines
/// become errors and warnings with file, line and column (ToolTask parses them), everything else messages.
/// It exists instead of an <c>Exec</c> because Exec cannot fail quietly: with the exit code honoured it adds a generic
/// MSB3073 error to the verifier's own, and with IgnoreExitCode the build succeeds despite them. Here a failed check
/// fails the task with the verifier's errors alone; a verifier that fails without saying why gets one coded error.
/// </summary>
public sealed class RunContractVerifier : ToolTask
{
    /// <summary><c>llmc-verify.dll</c>.</summary>
    [Required]
    public string VerifierAssembly { get; set; } = "";

    /// <summary>A file listing the work orders, one absolute path per line.</summary>
    [Required]
    public string WorkOrderList { get; set; } = "";

    public string? Manifest { get; set; }

    public string? RepoRoot { get; set; }

    public string? ProjectDirectory { get; set; }

    /// <summary><c>$(DOTNET_HOST_PATH)</c>: the dotnet host running this build; empty means <c>dotnet</c> on PATH.</summary>
    public string? DotnetHost { get; set; }

    protected override string ToolName => Path.DirectorySeparatorChar == '\\' ? "dotnet.exe" : "dotnet";

    // The summary line is the only sign of a passing check: as visible as the in-process task's.
    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.High;

    protected override Encoding StandardOutputEncoding => new UTF8Encoding(false);

    protected override Encoding StandardErrorEncoding => new UTF8Encoding(false);

    public override bool Execute() => base.Execute() && !Log.HasLoggedErrors;

    protected override string GenerateFullPathToTool()
    {
        if (!string.IsNullOrEmpty(DotnetHost) && File.Exists(DotnetHost)) return DotnetHost!;
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = directory.Length == 0 ? null : Path.Combine(directory.Trim('"'), ToolName);
            if (candidate is not null && File.Exists(candidate)) return candidate;
        }
        return ToolName;
    }

    protected override bool ValidateParameters()
    {
        if (File.Exists(VerifierAssembly)) return true;
        Log.LogError(null, DiagnosticCodes.OutOfProcessVerifierFailed, null, null, 0, 0, 0, 0,
            "VerifyContract: the out-of-process verifier '{0}' does not exist; the package is incomplete (restore it again) or LlmcTasksAssembly points elsewhere.",
            VerifierAssembly);
        return false;
    }

    protected override string GenerateCommandLineCommands()
    {
        var builder = new CommandLineBuilder();
        builder.AppendFileNameIfNotNull(VerifierAssembly);
        builder.AppendSwitchIfNotNull("--work-order-list ", WorkOrderList);
        // A trailing separator would escape the closing quote (C:\repo\workorders\"), so directories go without one.
        if (!string.IsNullOrEmpty(Manifest)) builder.AppendSwitchIfNotNull("--manifest ", Manifest);
        if (!string.IsNullOrEmpty(RepoRoot)) builder.AppendSwitchIfNotNull("--repo-root ", TrimSeparator(RepoRoot!));
        if (!string.IsNullOrEmpty(ProjectDirectory)) builder.AppendSwitchIfNotNull("--project-dir ", TrimSeparator(ProjectDirectory!));
        return builder.ToString();
    }

    protected override bool HandleTaskExecutionErrors()
    {
        // Exit code 1 comes with the verifier's own errors, already logged: nothing to add.
        if (!Log.HasLoggedErrors)
        {
            Log.LogError(null, DiagnosticCodes.OutOfProcessVerifierFailed, null, null, 0, 0, 0, 0,
                "VerifyContract: the out-of-process verifier exited with code {0} without reporting a diagnostic (is a .NET 8 or later runtime installed for '{1}'?). Re-run with -v:d to see its output.",
                ExitCode, GenerateFullPathToTool());
        }
        return false;
    }

    private static string TrimSeparator(string directory)
    {
        var trimmed = directory.TrimEnd('/', '\\');
        return trimmed.Length == 0 || trimmed.EndsWith(":", StringComparison.Ordinal) ? directory : trimmed;
    }
}
