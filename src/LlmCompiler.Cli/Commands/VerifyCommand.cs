using System.CommandLine;
using LlmCompiler.Contracts;
using LlmCompiler.Reporting;
using LlmCompiler.Validation;

namespace LlmCompiler.Cli.Commands;

/// <summary>
/// <c>llmc verify PATH [--repo DIR] [--format text|json|sarif] [--warnaserror]</c>. Exit codes: 0 no error,
/// 2 at least one error (warnings count with <c>--warnaserror</c>), 1 usage or I/O problem.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(CliContext context)
    {
        var path = new Argument<string>("PATH")
        {
            Description = $"A plan folder of WO-*.json files, a manifest file, or one work-order file (default ./{RunAllCommand.DefaultPlanFolder}).",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => RunAllCommand.DefaultPlanFolder,
        };
        var repo = new Option<string?>("--repo")
        {
            Description = "Repository the plan will run against; its files are what exists before WO-01 (default: the git repository holding the plan).",
            HelpName = "DIR",
        };
        var format = new Option<string>("--format")
        {
            Description = "Output format (SARIF 2.1.0 for code scanning).",
            DefaultValueFactory = _ => "text",
            HelpName = string.Join('|', ReportFormats.Names),
        };
        format.AcceptOnlyFromAmong([.. ReportFormats.Names]);
        var warnAsError = new Option<bool>("--warnaserror")
        {
            Description = "Report warnings as errors (exit code 2 when there is any).",
        };

        var command = new Command("verify", "Check a plan (manifest file or directory of WO-*.json) against the work-order contract.")
        {
            path, repo, format, warnAsError,
        };
        command.SetAction(parse =>
        {
            var stdout = context.Out;
            var stderr = context.Error;
            ReportFormats.TryParse(parse.GetValue(format), out var reportFormat);
            if (!Path.Exists(parse.GetValue(path)))
            {
                stderr.WriteLine($"llmc verify: {RunAllCommand.MissingPlan(parse, path, "verify")}");
                return ExitCodes.Usage;
            }
            try
            {
                return Run(parse.GetValue(path)!, parse.GetValue(repo), reportFormat, parse.GetValue(warnAsError), stdout, stderr);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Listing a directory can still fail after the existence checks (permissions, races).
                stderr.WriteLine($"llmc verify: {ex.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    private static int Run(string planPath, string? repoDir, ReportFormat format, bool warnAsError, TextWriter stdout, TextWriter stderr)
    {
        if (repoDir is not null && !Directory.Exists(repoDir))
        {
            stderr.WriteLine($"llmc verify: repository directory '{repoDir}' does not exist");
            return ExitCodes.Usage;
        }

        var loaded = PlanLoader.Load(planPath);
        if (!loaded.Success)
        {
            stderr.WriteLine($"llmc verify: {loaded.IoError}");
            return ExitCodes.Usage;
        }

        // Without --repo, the repository is the git work tree the plan sits in (as under MSBuild); outside git the
        // plan starts from an empty tree. Either way the files are those the plan started from, so a re-check after
        // work orders landed stays green.
        var start = Directory.Exists(planPath) ? Path.GetFullPath(planPath) : Path.GetDirectoryName(Path.GetFullPath(planPath))!;
        var (verification, error) = PlanVerifier.VerifyAsync(loaded.Document!, repoDir, start).GetAwaiter().GetResult();
        if (error is not null)
        {
            stderr.WriteLine($"llmc verify: {error}");
            return ExitCodes.Usage;
        }
        var result = verification!.Result;
        if (loaded.FocusFile is { } focus)
        {
            // Only what is about the named file: findings in it, or about its work order.
            var id = loaded.Document!.WorkOrders.FirstOrDefault(w => w.Map.Source.Path is { } p && Path.GetFullPath(p) == focus)?.DisplayId;
            result = result with { Diagnostics = [.. result.Diagnostics.Where(d => d.File is { } f && Path.GetFullPath(f) == focus || id is not null && d.WoId == id)] };
        }
        var report = VerifyReport.Create(loaded.Document!, result, warnAsError);

        ReportFormats.CreateReporter(format).Write(report, stdout);
        stderr.WriteLine(report.Summary);
        return report.HasErrors ? ExitCodes.ValidationFailed : ExitCodes.Success;
    }
}
