using System.Text;
using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Diagnostics;
using LlmCompiler.Reporting;
using LlmCompiler.Validation;

namespace LlmCompiler.Tests.Fuzzing;

/// <summary>
/// Seeded random mutations of valid plans must never make the reader, the validator or a reporter throw or
/// hang, and every finding must carry a known code and, when it blames a file, a position inside that file.
/// A failure names the run seed and case number; <c>LLMC_FUZZ_SEED</c>/<c>LLMC_FUZZ_CASES</c> replay or
/// extend a run without editing code.
/// </summary>
[TestClass]
public sealed class ValidatorFuzzTests
{
    /// <summary>A hang detector, not a timing assertion: a healthy case takes milliseconds.</summary>
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(10);

    private static readonly string[] Bases = [Cli.PlanFixtures.ValidManifest, GeneratedPlan(6)];

    private static readonly IReadOnlySet<string> RepoFiles =
        new HashSet<string>(["README.md", "src/Calc/Calc.csproj", "scripts/verify.sh"], StringComparer.Ordinal);

    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("LLMC_FUZZ_CASES"), out var n) && n > 0 ? n : 1500;

    private static int SeedOr(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("LLMC_FUZZ_SEED"), out var s) ? s : fallback;

    [TestMethod]
    public void Mutated_manifests_never_throw_or_hang() => RunCampaign(SeedOr(20261122), Cases, directoryMode: false);

    [TestMethod]
    public void Mutated_work_order_files_never_throw_or_hang() => RunCampaign(SeedOr(4242), Cases, directoryMode: true);

    [TestMethod]
    public void Oversized_document_is_one_E000_not_an_out_of_memory()
    {
        var bytes = new byte[JsonSyntaxParser.MaxDocumentBytes + 1];
        Array.Fill(bytes, (byte)' ');

        var failure = Check(new SourceText("big.json", bytes), null);

        Assert.IsNull(failure, failure);
    }

    [TestMethod]
    [DataRow("[1,2]")]
    [DataRow("\"not a dict\"")]
    [DataRow("{\"work_orders\": [{\"id\": 1}]}")]
    [DataRow("{\"work_orders\": [{\"id\": null}]}")]
    [DataRow("{\"work_orders\": [{\"id\": \"WO-01\", \"context_files\": null, \"allowed_files\": [1]}]}")]
    [DataRow("{\"work_orders\": [{\"id\": \"WO-01\", \"acceptance_commands\": [7, null]}]}")]
    [DataRow("{\"work_orders\": [{\"id\": \"WO-01\", \"preconditions\": null, \"postconditions\": [\"x\", 1]}]}")]
    [DataRow("{\"work_orders\": [{\"id\": \"WO-01\", \"preconditions\": [{\"kind\": \"file_exists\"}]}]}")]
    [DataRow("{\"verify_contract\": {\"command\": \"x\", \"requires\": null}, \"work_orders\": [42, null, true]}")]
    [DataRow("{\"verify_contract\": {\"command\": \"x\", \"requires\": [\"x\", 1]}, \"work_orders\": []}")]
    [DataRow("{\"verify_contract\": [1], \"work_orders\": [{}]}")]
    public void Crash_inputs_of_the_original_are_diagnosed_not_thrown(string json)
    {
        var source = SourceText.FromString("crash.json", json);

        var failure = Check(source, null, out var diagnostics);

        Assert.IsNull(failure, failure);
        Assert.IsTrue(diagnostics.Any(d => d.Code is "E000" or "E005" && d.Line > 0), string.Join("\n", diagnostics));
    }

    private static void RunCampaign(int seed, int cases, bool directoryMode)
    {
        var failures = new List<string>();
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < cases && failures.Count < 5; i++)
        {
            // Each case has its own generator so a single case replays without running the ones before it.
            // (Not HashCode.Combine: it is randomised per process, which would make seeds unreproducible.)
            var caseSeed = unchecked(seed * 1_000_003 + i);
            var random = new Random(caseSeed);
            var mutator = new ManifestMutator(random);
            var plan = Bases[random.Next(Bases.Length)];
            string? failure;
            byte[] bytes;
            IReadOnlyList<Diagnostic> diagnostics;
            if (directoryMode)
            {
                // A directory plan: every work order in its own file, one of them mutated, the manifest beside.
                var files = SplitIntoWorkOrderFiles(plan);
                var victim = random.Next(files.Count);
                bytes = mutator.Mutate(files[victim]);
                var sources = files.Select((text, n) => n == victim
                    ? new SourceText($"WO-{n + 1:00}.json", bytes)
                    : SourceText.FromString($"WO-{n + 1:00}.json", text)).ToList();
                failure = Check(sources[victim], sources, out diagnostics);
            }
            else
            {
                bytes = mutator.Mutate(plan);
                var source = new SourceText("fuzz.json", bytes);
                failure = Check(source, null, out diagnostics);
            }
            seen.UnionWith(diagnostics.Select(d => d.Code));
            if (failure is not null)
            {
                var preview = bytes.Length <= 4096 ? Convert.ToBase64String(bytes) : $"{bytes.Length:N0} bytes";
                failures.Add($"seed {seed} case {i} (case seed {caseSeed}; {mutator.Description}): {failure}\n  input (base64): {preview}");
            }
        }
        Assert.IsEmpty(failures, $"{failures.Count} failing case(s):\n" + string.Join("\n", failures));

        // A campaign that only ever bounces off the JSON parser proves nothing about the validators.
        var expected = new[] { "E000", "E001", "E004", "E005", "E101", "E103", "E104", "W101", "W102" };
        CollectionAssert.IsSubsetOf(expected, seen.ToArray(), $"codes reached: {string.Join(", ", seen)}");
    }

    private static List<string> SplitIntoWorkOrderFiles(string manifest)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(manifest);
        var indented = new System.Text.Json.JsonSerializerOptions { WriteIndented = true };
        return [.. doc.RootElement.GetProperty("work_orders").EnumerateArray().Select(wo => System.Text.Json.JsonSerializer.Serialize(wo, indented))];
    }

    private static string? Check(SourceText source, IReadOnlyList<SourceText>? directoryFiles) => Check(source, directoryFiles, out _);

    /// <summary>
    /// Runs one input end to end (reader, validator, every reporter) under the watchdog; returns why it
    /// failed, or null. <paramref name="directoryFiles"/> switches to a directory plan that includes
    /// <paramref name="source"/>.
    /// </summary>
    private static string? Check(SourceText source, IReadOnlyList<SourceText>? directoryFiles, out IReadOnlyList<Diagnostic> diagnostics)
    {
        IReadOnlyList<Diagnostic> found = [];
        string? reportProblem = null;
        var work = Task.Run(() =>
        {
            var document = directoryFiles is not null
                ? ContractReader.ReadWorkOrderFiles(directoryFiles, SourceText.FromString(Manifest.FileName, Cli.PlanFixtures.ValidManifest))
                : ContractReader.ReadManifest(source);
            var options = new ValidationOptions { RepoFiles = RepoFiles, CheckPythonSyntax = false };
            var result = PlanValidator.Validate(document, options);
            var report = VerifyReport.Create(document, result, warningsAsErrors: true);
            found = result.Diagnostics;
            reportProblem = CheckReports(report);
        });
        diagnostics = [];
        try
        {
            if (!work.Wait(Watchdog)) return $"did not finish within {Watchdog.TotalSeconds:0} s";
        }
        catch (AggregateException ex)
        {
            return $"threw {ex.InnerException}";
        }
        diagnostics = found;
        return reportProblem ?? Inspect(source, found);
    }

    /// <summary>
    /// Hostile text ends up in messages; every format must still be well-formed: JSON and SARIF parse, and
    /// text has exactly one line per diagnostic (no injected line breaks).
    /// </summary>
    private static string? CheckReports(VerifyReport report)
    {
        foreach (var format in Enum.GetValues<ReportFormat>())
        {
            using var output = new StringWriter();
            ReportFormats.CreateReporter(format).Write(report, output);
            var text = output.ToString();
            if (format == ReportFormat.Text)
            {
                var lines = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Length;
                if (lines != report.Diagnostics.Count) return $"text report has {lines} lines for {report.Diagnostics.Count} diagnostics";
                continue;
            }
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(text);
            }
            catch (System.Text.Json.JsonException ex)
            {
                return $"{format} report is not valid JSON: {ex.Message}";
            }
        }
        return null;
    }

    private static string? Inspect(SourceText source, IReadOnlyList<Diagnostic> diagnostics)
    {
        var lines = LineLengths(source.Utf8.Span);
        foreach (var d in diagnostics)
        {
            if (!DiagnosticCatalog.Descriptors.Any(x => x.Code == d.Code)) return $"unknown code {d.Code}: {d}";
            if (string.IsNullOrWhiteSpace(d.Message)) return $"empty message: {d.Code}";
            if (d.File != source.Path) continue;
            if (d.IsError && d.Line <= 0) return $"error without a position: {d}";
            if (d.Line <= 0) continue;
            if (d.Line > lines.Count) return $"line {d.Line} is past the end ({lines.Count} lines): {d}";
            if (d.Column < 1 || d.Column > lines[d.Line - 1] + 1)
            {
                return $"column {d.Column} is outside line {d.Line} ({lines[d.Line - 1]} chars): {d}";
            }
        }
        return null;
    }

    /// <summary>Length of each line in UTF-16 units as <see cref="SourceText"/> counts them (invalid bytes = 1).</summary>
    private static List<int> LineLengths(ReadOnlySpan<byte> bytes)
    {
        var lengths = new List<int>();
        var start = 0;
        for (var i = 0; i <= bytes.Length; i++)
        {
            if (i == bytes.Length || bytes[i] == (byte)'\n')
            {
                lengths.Add(Encoding.UTF8.GetCharCount(bytes[start..i]));
                start = i + 1;
            }
        }
        return lengths;
    }

    /// <summary>A longer chained plan: each work order creates one file and requires the previous one.</summary>
    internal static string GeneratedPlan(int count)
    {
        var builder = new StringBuilder();
        builder.Append("""{"system_overview": ["generated"], "verify_contract": {"command": "dotnet test tests/T/T.csproj", "requires": [{"kind": "file_exists", "path": "tests/T/T.csproj"}]}, "work_orders": [""");
        for (var i = 1; i <= count; i++)
        {
            var file = i == count ? "tests/T/T.csproj" : $"src/P/F{i}.cs";
            var pre = i == 1 ? "" : $$"""{"kind": "file_exists", "path": "src/P/F{{i - 1}}.cs"}""";
            if (i > 1) builder.Append(',');
            builder.Append($$"""
                {"id": "WO-{{i:00}}", "title": "Step {{i}}", "intent": "Create {{file}}.", "preconditions": [{{pre}}],
                 "postconditions": [{"kind": "file_exists", "path": "{{file}}"}], "allowed_files": ["{{file}}"],
                 "forbidden": [], "acceptance_commands": ["dotnet build src/P/P.csproj"], "context_files": ["{{file}}"],
                 "notes": null, "verify_exempt": true}
                """);
        }
        builder.Append("]}");
        return builder.ToString();
    }
}
