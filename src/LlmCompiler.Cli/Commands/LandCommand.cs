using System.CommandLine;
using LlmCompiler.Factory;

namespace LlmCompiler.Cli.Commands;

/// <summary>
/// <c>llmc land [PLAN_DIR] [--run-id ID] [options]</c>: the merge queue over kept work (parallel and no-land runs, here
/// or fetched from CI legs): in plan order, each re-verified on the integrated tree where the branch moved.
/// </summary>
internal static class LandCommand
{
    public static Command Create(CliContext context)
    {
        var shared = new RunOptions();
        var plan = new Argument<string>("PLAN_DIR")
        {
            Description = $"The plan whose kept work to land (default ./{RunAllCommand.DefaultPlanFolder}).",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => RunAllCommand.DefaultPlanFolder,
        };
        var runId = RunIdOption.Create();
        var command = new Command("land", "Land kept work orders (from --parallel or --no-land runs, here or on other machines) in plan order, re-verified where the branch moved.");
        command.Arguments.Add(plan);
        command.Options.Add(runId);
        shared.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var output = context.OutputFor(parse);
            var planDir = parse.GetValue(plan)!;
            if (!Directory.Exists(planDir))
            {
                output.Fail("land", RunAllCommand.MissingPlan(parse, plan, "land"));
                return FactoryExitCodes.Fail;
            }
            if (RunIdOption.Check(parse, runId, "land", output) is not { } id) return FactoryExitCodes.Fail;
            var setup = await shared.OpenAsync(parse, "land", planDir, null, output, ct);
            if (setup is null) return FactoryExitCodes.Fail;
            using var session = setup.Session as IDisposable;
            var options = setup.Options with { RunId = id.Length == 0 ? null : id };
            var result = await FactoryRunner.LandAsync(setup.Repository, planDir, () => setup.Session, options, output.Progress,
                o => output.Out.WriteLine(OutcomeText.Line(o, output.OutStyle.Verdict)), ct);
            output.Report(result.Diagnostics);
            if (result.WorkOrders.Count > 0) RunAllCommand.WriteTable(output, result.WorkOrders);
            var verdict = result.ExitCode == FactoryExitCodes.Pass ? "PASS" : "STOPPED";
            output.Out.WriteLine($"Result: {output.OutStyle.Verdict(verdict)} (exit {result.ExitCode})");
            return result.ExitCode;
        });
        return command;
    }
}
