using System.CommandLine;
using System.Globalization;
using LlmCompiler.Factory;

namespace LlmCompiler.Cli.Commands;

/// <summary><c>llmc run-all --repo DIR --work-orders DIR [options]</c>: execute a plan in order, skipping landed work.</summary>
internal static class RunAllCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var shared = new RunOptions();
        var workOrders = new Option<string>("--work-orders") { Description = "Directory of WO-*.json files (and WORK_ORDERS_MANIFEST.json).", Required = true };
        var command = new Command("run-all", "Execute every work order of a plan in id order, each on top of the previous one's commit; stop at the first failure.");
        command.Options.Add(workOrders);
        shared.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (options, session) = await shared.OpenAsync(parse, "run-all", stderr, ct);
            if (session is null) return FactoryExitCodes.Fail;
            var result = await FactoryRunner.RunAllAsync(parse.GetValue(shared.Repo)!, parse.GetValue(workOrders)!,
                () => session, options!, stderr, o => stdout.WriteLine(Line(o)), ct);
            RunOptions.Report(stderr, result.Diagnostics);
            if (result.WorkOrders.Count > 0)
            {
                stdout.WriteLine();
                stdout.WriteLine($"{"Work order",-12} {"Verdict",-8} {"Attempts",8} {"Seconds",8} {"Tokens",8}  Commit / run");
                foreach (var o in result.WorkOrders)
                {
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{o.WorkOrderId,-12} {o.Verdict,-8} {o.Attempts,8} {o.Duration.TotalSeconds,8:0.0} {o.InputTokens + o.OutputTokens,8}  {Short(o.LandedCommit) ?? o.RunId ?? "-"}"));
                }
            }
            stdout.WriteLine($"Result: {(result.ExitCode == 0 ? "PASS" : "STOPPED")} (exit {result.ExitCode})");
            return result.ExitCode;
        });
        return command;
    }

    internal static string Line(RunOutcome o) => o.Skipped
        ? $"{o.WorkOrderId}: already landed (Work-Order-Sha256 trailer found); skipped"
        : string.Create(CultureInfo.InvariantCulture,
            $"{o.WorkOrderId}: {o.Verdict} after {o.Attempts} attempt(s) in {o.Duration.TotalSeconds:0.0} s{(o.LandedCommit is null ? "" : $", landed {Short(o.LandedCommit)}")}{(o.KeptBranch is null ? "" : $", kept on {o.KeptBranch}")}");

    private static string? Short(string? sha) => sha?[..Math.Min(10, sha.Length)];
}
