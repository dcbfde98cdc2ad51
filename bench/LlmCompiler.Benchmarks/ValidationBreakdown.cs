using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Validation;

namespace LlmCompiler.Benchmarks;

/// <summary>
/// Where the time of parse + validate goes, stage by stage, on the generated 1,000-work-order manifest: the median of
/// many warm runs of each stage, printed as milliseconds and as a multiple of <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/>
/// of the same bytes. BenchmarkDotNet (<c>run-validation-bench.sh</c>) is the measurement of record; this is the map.
/// </summary>
internal static class ValidationBreakdown
{
    public static int Run(string[] args)
    {
        var runs = args.Length > 1 && int.TryParse(args[1], out var n) && n > 0 ? n : 200;
        var bytes = Encoding.UTF8.GetBytes(PlanGenerator.Manifest(1_000));
        var options = new ValidationOptions { CheckPythonSyntax = false };
        var parsed = ContractReader.ReadManifest(new SourceText("plan.json", bytes));
        var tree = JsonSyntaxParser.Parse(new SourceText("plan.json", bytes));
        var commands = AcceptanceCommand.OfPlan(parsed.WorkOrders);
        // With the files the plan starts from, the chain finds nothing to report: the difference to "chain" is what
        // its 2,000 warnings cost.
        var repo = PlanGenerator.RepoListing(5_000);

        var stages = new (string Name, Func<object?> Body)[]
        {
            ("JsonDocument.Parse", () => { using var d = JsonDocument.Parse(bytes); return d.RootElement.ValueKind; }),
            ("syntax tree", () => JsonSyntaxParser.Parse(new SourceText("plan.json", bytes))),
            ("bind (tree given)", () => ContractReader.ReadManifest(tree)),
            ("parse + bind", () => ContractReader.ReadManifest(new SourceText("plan.json", bytes))),
            ("acceptance tokenise", () => AcceptanceCommand.OfPlan(parsed.WorkOrders)),
            ("structural", () => { var e = new List<Diagnostics.Diagnostic>(); var w = new List<Diagnostics.Diagnostic>(); StructuralValidator.Validate(parsed.WorkOrders, commands, null, e, w, []); return e; }),
            ("chain", () => { var e = new List<Diagnostics.Diagnostic>(); var w = new List<Diagnostics.Diagnostic>(); ChainValidator.Validate(parsed.WorkOrders, commands, parsed.VerifyContract, options.RepoFiles, e, w); return e; }),
            ("chain, 5,000-file repo", () => { var e = new List<Diagnostics.Diagnostic>(); var w = new List<Diagnostics.Diagnostic>(); ChainValidator.Validate(parsed.WorkOrders, commands, parsed.VerifyContract, repo, e, w); return e; }),
            ("2,000 diagnostics", () => { var w = new List<Diagnostics.Diagnostic>(); foreach (var wo in parsed.WorkOrders) { w.Add(wo.Map.CreateAtElement(Diagnostics.DiagnosticCodes.ContextFileNeverExists, wo.DisplayId, "context_files", 3, "m")); w.Add(wo.Map.CreateAtElement(Diagnostics.DiagnosticCodes.AcceptanceFileNeverCreated, wo.DisplayId, "acceptance_commands", 0, "m")); } return w; }),
            ("dag", () => { var e = new List<Diagnostics.Diagnostic>(); var w = new List<Diagnostics.Diagnostic>(); DagValidator.Validate(parsed.WorkOrders, options.RepoFiles, e, w); return e; }),
            ("tests", () => { var e = new List<Diagnostics.Diagnostic>(); TestsValidator.Validate(parsed.WorkOrders, e); return e; }),
            ("verify_exempt", () => VerifyExemptCalculator.Compute([.. parsed.WorkOrders.Select(w => w.Value)], parsed.VerifyContract?.Value, options.RepoFiles)),
            ("schedule", () => PlanGraph.Of([.. parsed.WorkOrders.Select(w => w.Value)]).Layers()),
            ("validate (bound plan)", () => PlanValidator.Validate(parsed, options)),
            ("parse + validate", () => PlanValidator.Validate(ContractReader.ReadManifest(new SourceText("plan.json", bytes)), options)),
        };

        // A stage named as the third argument runs alone (e.g. under dotnet-trace), always after JsonDocument.Parse.
        if (args.Length > 2) stages = [stages[0], .. stages.Where(s => s.Name == args[2])];
        var medians = new double[stages.Length];
        var allocated = new long[stages.Length];
        var collections = new int[stages.Length, 3];
        var paused = new TimeSpan[stages.Length];
        var samples = stages.Select(_ => new List<double>(runs)).ToArray();
        for (var warm = 0; warm < 20; warm++) foreach (var s in stages) s.Body();
        // Interleaved so load on the machine hits every stage alike.
        for (var r = 0; r < runs; r++)
        {
            for (var i = 0; i < stages.Length; i++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                int[] counts = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
                var pauseBefore = GC.GetTotalPauseDuration();
                var watch = Stopwatch.StartNew();
                GC.KeepAlive(stages[i].Body());
                samples[i].Add(watch.Elapsed.TotalMilliseconds);
                paused[i] += GC.GetTotalPauseDuration() - pauseBefore;
                allocated[i] = GC.GetAllocatedBytesForCurrentThread() - before;
                for (var g = 0; g < 3; g++) collections[i, g] += GC.CollectionCount(g) - counts[g];
            }
        }
        for (var i = 0; i < stages.Length; i++) medians[i] = samples[i].Order().ElementAt(runs / 2);
        var minimums = samples.Select(s => s.Min()).ToArray();
        // BenchmarkDotNet reports means, which carry the collections a median skips.
        var means = samples.Select(s => s.Average()).ToArray();
        // Each run's stage against the same run's baseline: the machine's speed drifts over seconds (a shared VM here),
        // and a ratio of two medians taken at different moments carries that drift; a ratio within one run does not.
        var pairedRatios = samples.Select(s => s.Select((t, r) => t / samples[0][r]).Order().ElementAt(runs / 2)).ToArray();
        var baseline = medians[0];
        var found = PlanValidator.Validate(parsed, options).Diagnostics.GroupBy(d => d.Code).OrderBy(g => g.Key, StringComparer.Ordinal);
        Console.WriteLine($"the plan's findings without a repository: {string.Join(", ", found.Select(g => $"{g.Count():N0} {g.Key}"))}");
        Console.WriteLine($"median and minimum of {runs} warm runs, {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; paired: median of each run's time over the same run's baseline; mean and GC pause per run");
        for (var i = 0; i < stages.Length; i++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{stages[i].Name,-24} {medians[i],8:F3} ms {medians[i] / baseline,7:F2}x   min {minimums[i],8:F3} ms {minimums[i] / minimums[0],7:F2}x   paired {pairedRatios[i],6:F2}x   mean {means[i],8:F3} ms {means[i] / means[0],6:F2}x  GC pause {paused[i].TotalMilliseconds / runs,6:F3} ms {allocated[i] / 1048576.0,8:F2} MiB  GCs per run {(double)collections[i, 0] / runs:F2}/{(double)collections[i, 1] / runs:F2}/{(double)collections[i, 2] / runs:F2}"));
        }
        return 0;
    }
}
