using System.CommandLine;
using System.Text;
using LlmCompiler.Diagnostics;
using LlmCompiler.Validation;

// llmc-verify: the VerifyContract step of a build, out of process. Prints one MSBuild canonical line per finding (the
// in-process task's events, as text) and the summary; exit code 0 without errors, 1 with errors, 2 when it could not
// check (bad arguments, unreadable list), always with a coded line.
using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };

var workOrderList = new Option<string>("--work-order-list")
{
    Description = "A file naming the work orders to check, one absolute path per line.",
    Required = true,
};
var manifest = new Option<string?>("--manifest") { Description = "The manifest beside them (ignored when missing)." };
var repoRoot = new Option<string?>("--repo-root") { Description = "The repository the plan runs against (default: the git top level above --project-dir)." };
var projectDirectory = new Option<string?>("--project-dir") { Description = "Where to look for the repository (default: the first work order's folder)." };
var root = new RootCommand("Checks work orders against the contract, as the VerifyContract task does, and prints MSBuild canonical lines.")
{
    workOrderList, manifest, repoRoot, projectDirectory,
};

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    Report(DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, "llmc-verify: " + string.Join("; ", parse.Errors.Select(e => e.Message))));
    return 2;
}

try
{
    string[] files;
    try
    {
        files = File.ReadAllLines(parse.GetValue(workOrderList)!);
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
    {
        Report(DiagnosticCatalog.Create(DiagnosticCodes.InputUnreadable, $"llmc-verify: the work-order list cannot be read: {ex.Message}"));
        return 2;
    }

    var result = await ContractCheck.RunAsync(files, parse.GetValue(manifest), parse.GetValue(repoRoot), parse.GetValue(projectDirectory));
    foreach (var diagnostic in result.Diagnostics) Report(diagnostic);
    stdout.WriteLine(result.WorkOrderCount > 0 ? result.Summary : "VerifyContract: no work orders to verify.");
    return result.ErrorCount > 0 ? 1 : 0;
}
catch (Exception ex)
{
    // The engine reports bad input as diagnostics; reaching this is a bug. Say so without a stack trace.
    Report(DiagnosticCatalog.Create(DiagnosticCodes.InternalError,
        $"llmc-verify failed unexpectedly ({ex.GetType().Name}: {ex.Message}); nothing was changed. Re-run with -bl and report the binlog."));
    return 2;
}

void Report(Diagnostic diagnostic) => stdout.WriteLine(ContractCheck.CanonicalLine(diagnostic));
