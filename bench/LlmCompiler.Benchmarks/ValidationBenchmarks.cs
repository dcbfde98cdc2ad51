using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Validation;

namespace LlmCompiler.Benchmarks;

/// <summary>
/// Warm-process cost of <c>llmc verify</c> on a 1,000-work-order manifest: parse + bind alone, and parse +
/// bind + structural/chain validation with and without a 5,000-file repository listing. Target: well under
/// 100 ms per manifest, and parse + validate within 5x of <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/>
/// of the same bytes (the baseline, so BenchmarkDotNet's Ratio column reads as that multiple).
/// </summary>
[MemoryDiagnoser]
public class ValidationBenchmarks
{
    private byte[] _manifest = [];
    private ValidationOptions _noRepo = ValidationOptions.Default;
    private ValidationOptions _withRepo = ValidationOptions.Default;
    private PlanDocument _parsed = null!;

    [Params(1_000)]
    public int WorkOrders { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _manifest = Encoding.UTF8.GetBytes(PlanGenerator.Manifest(WorkOrders));
        // Acceptance commands here are dotnet commands; no Python process is ever started.
        _noRepo = new ValidationOptions { CheckPythonSyntax = false };
        _withRepo = new ValidationOptions { CheckPythonSyntax = false, RepoFiles = PlanGenerator.RepoListing(5_000) };
        _parsed = ContractReader.ReadManifest(new SourceText("plan.json", _manifest));

        // A generator bug that broke the plan would make every benchmark measure an early exit. The only
        // expected findings are E001 for ids past WO-99 (the contract caps a plan at 99 work orders).
        var unexpected = PlanValidator.Validate(_parsed, _withRepo).Diagnostics.Where(d => d.Code != "E001").Take(3).ToList();
        if (unexpected.Count > 0 || _parsed.WorkOrders.Count != WorkOrders)
        {
            throw new InvalidOperationException("generated plan is not the intended shape: " + string.Join(" | ", unexpected));
        }
    }

    [Benchmark(Baseline = true, Description = "JsonDocument.Parse (baseline)")]
    public int JsonDocumentParse()
    {
        using var document = JsonDocument.Parse(_manifest);
        return (int)document.RootElement.ValueKind;
    }

    [Benchmark(Description = "JSON syntax tree only")]
    public JsonParseResult SyntaxOnly() => JsonSyntaxParser.Parse(new SourceText("plan.json", _manifest));

    [Benchmark(Description = "parse only")]
    public PlanDocument ParseOnly() => ContractReader.ReadManifest(new SourceText("plan.json", _manifest));

    [Benchmark(Description = "parse + validate")]
    public ValidationResult ParseAndValidate() =>
        PlanValidator.Validate(ContractReader.ReadManifest(new SourceText("plan.json", _manifest)), _noRepo);

    [Benchmark(Description = "parse + validate, 5,000-file repo")]
    public ValidationResult ParseAndValidateWithRepo() =>
        PlanValidator.Validate(ContractReader.ReadManifest(new SourceText("plan.json", _manifest)), _withRepo);

    [Benchmark(Description = "validate only (pre-parsed)")]
    public ValidationResult ValidateOnly() => PlanValidator.Validate(_parsed, _withRepo);
}
