using System.CommandLine;
using System.Globalization;
using LlmCompiler.Cli.Output;
using LlmCompiler.Factory;
using LlmCompiler.Llm;

namespace LlmCompiler.Cli.Commands;

/// <summary><c>llmc run-all [PLAN_DIR] [--rerun ID] [options]</c>: execute a plan in order, skipping landed work.</summary>
internal static class RunAllCommand
{
    public const string DefaultPlanFolder = "workorders";

    public static Command Create(CliContext context)
    {
        var shared = new RunOptions();
        var plan = new Argument<string>("PLAN_DIR")
        {
            Description = $"The plan: a folder of WO-*.json files and WORK_ORDERS_MANIFEST.json (default ./{DefaultPlanFolder}).",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => DefaultPlanFolder,
        };
        var command = new Command("run-all", "Execute every work order of a plan in id order, each on top of the previous one's commit; stop at the first failure.");
        command.Arguments.Add(plan);
        shared.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var output = context.OutputFor(parse);
            var planDir = parse.GetValue(plan)!;
            if (!Directory.Exists(planDir))
            {
                output.Fail("run-all", MissingPlan(parse, plan, "run-all"));
                return FactoryExitCodes.Fail;
            }
            var setup = await shared.OpenAsync(parse, "run-all", planDir, null, output, ct);
            if (setup is null) return FactoryExitCodes.Fail;
            using var session = setup.Session as IDisposable;
            var result = await FactoryRunner.RunAllAsync(setup.Repository, planDir, () => setup.Session, setup.Options, output.Progress,
                o => output.Out.WriteLine(OutcomeText.Line(o, output.OutStyle.Verdict)), ct);
            output.Report(result.Diagnostics);
            if (result.WorkOrders.Count > 0) WriteTable(output, result.WorkOrders);
            if (result.Metrics is { } metrics) output.Out.WriteLine(metrics.SummaryLine());
            var verdict = result.ExitCode == FactoryExitCodes.Pass ? "PASS" : "STOPPED";
            output.Out.WriteLine($"Result: {output.OutStyle.Verdict(verdict)} (exit {result.ExitCode})");
            return result.ExitCode;
        });
        return command;
    }

    /// <summary>Why the plan argument names nothing: the default folder is absent, or the named one is.</summary>
    internal static string MissingPlan(ParseResult parse, Argument<string> plan, string command) =>
        parse.GetResult(plan)?.Tokens.Count is not > 0
            ? $"no plan given and ./{DefaultPlanFolder} does not exist; name the folder of WO-*.json files (see 'llmc {command} --help')"
            : $"plan '{parse.GetValue(plan)}' does not exist";

    internal static void WriteTable(CliOutput output, IReadOnlyList<RunOutcome> outcomes)
    {
        var rows = outcomes.Select(o => new[]
        {
            o.WorkOrderId, o.Verdict, o.Attempts.ToString(CultureInfo.InvariantCulture), Seconds(o.Duration),
            (o.InputTokens + o.OutputTokens).ToString(CultureInfo.InvariantCulture), Cost(o.CostUsd, o.CostKnown),
            o.LandedCommit is { } sha ? OutcomeText.Short(sha) : o.KeptBranch ?? o.RunId ?? "-",
        }).ToList();
        var live = outcomes.Where(o => !o.Skipped).ToList();
        rows.Add(
        [
            "Total", $"{outcomes.Count(o => o.Verdict is "PASS")} landed", live.Sum(o => o.Attempts).ToString(CultureInfo.InvariantCulture),
            Seconds(TimeSpan.FromTicks(live.Sum(o => o.Duration.Ticks))), live.Sum(o => o.InputTokens + o.OutputTokens).ToString(CultureInfo.InvariantCulture),
            Cost(live.Sum(o => o.CostUsd), live.All(o => o.CostKnown)), "",
        ]);
        string[] header = ["Work order", "Verdict", "Attempts", "Seconds", "Tokens", "Cost", "Commit / run"];
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        var numeric = new[] { false, false, true, true, true, true, false };
        string Format(string[] cells, Func<int, string, string> style) => string.Join("  ", cells.Select((c, i) =>
        {
            var padded = numeric[i] ? c.PadLeft(widths[i]) : i == cells.Length - 1 ? c : c.PadRight(widths[i]);
            return style(i, padded);
        })).TrimEnd();

        output.Out.WriteLine();
        output.Out.WriteLine(Format(header, (_, c) => output.OutStyle.Bold(c)));
        foreach (var row in rows.Take(rows.Count - 1)) output.Out.WriteLine(Format(row, (i, c) => i == 1 ? output.OutStyle.Verdict(c.TrimEnd()) + c[c.TrimEnd().Length..] : c));
        output.Out.WriteLine(Format(rows[^1], (_, c) => c));
    }

    private static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Cost(decimal usd, bool known) => CostText.Describe(usd, known);
}
