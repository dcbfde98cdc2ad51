using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Git;
using LlmCompiler.IO;
using LlmCompiler.Llm;

namespace LlmCompiler.Factory.Attempts;

/// <summary>What every attempt of one work order's run shares: the work order, the session, the run folder and journal, and the model use so far.</summary>
internal sealed class RunContext
{
    public required FactorySession Session { get; init; }
    public required WorkOrder WorkOrder { get; init; }
    public required VerifyContract? VerifyContract { get; init; }
    public required ILlmClient Llm { get; init; }
    public required string RunId { get; init; }
    public required string WorkOrderSha256 { get; init; }

    /// <summary>The commit every attempt starts from (HEAD when the run began).</summary>
    public required string Baseline { get; init; }
    public required IReadOnlyDictionary<string, TreeEntry> BaselineTree { get; init; }
    public required string ObjectFormat { get; init; }
    public required RunArtifacts Artifacts { get; init; }
    public required Journal Journal { get; init; }
    public required TextWriter Log { get; init; }

    /// <summary>Folders no proposal may write into (the plan, the cassettes), with the reason shown when one tries.</summary>
    public required IReadOnlyList<(string Directory, string Reason)> ProtectedDirectories { get; init; }

    /// <summary>The tests written first and frozen, once the test author's work was proven red; null without tests.</summary>
    public TestsFirst.FrozenTestSet? Frozen { get; set; }

    /// <summary>
    /// The commit the executor's attempts start from: the baseline, or, with frozen tests, the baseline plus those
    /// tests (never landed itself; the work order's one commit carries tests and implementation on the baseline).
    /// </summary>
    public string AttemptBase { get; set; } = "";

    /// <summary>Tests the global verification fails at the baseline (with tests written first): not blamed on the work order.</summary>
    public IReadOnlySet<string> BaselineFailures { get; set; } = new HashSet<string>(StringComparer.Ordinal);

    public RunUsage Usage { get; } = new();

    /// <summary>The ladder moved this work order to a stronger role (a trigger of the review, a field of the metrics).</summary>
    public bool Escalated { get; set; }

    /// <summary>Reviews that answered, and those that blocked (a block re-opens the work order at most once).</summary>
    public int ReviewRuns { get; set; }
    public int ReviewBlocks { get; set; }
    public List<Diagnostic> Warnings { get; } = [];

    /// <summary>
    /// Cassettes a kept commit recorded, carried into the merge queue's commit of the same work order (its replay makes
    /// no call, so it records none of its own).
    /// </summary>
    public IReadOnlyList<TreeEntry> CarriedCassettes { get; set; } = [];

    /// <summary>Repository-relative cassette files the landing commit carries, with their blob ids (set by the commit stage).</summary>
    public IReadOnlyDictionary<string, string> CassetteBlobs { get; set; } = new Dictionary<string, string>();

    public FactoryOptions Options => Session.Options;
    public string BranchName => "llmc/" + RunId;

    public string Redact(string text) => Session.Redactor.Redact(text);

    /// <summary>A warning of this run: in its summary, and on the progress log at once.</summary>
    public void Warn(string code, string message)
    {
        var warning = DiagnosticCatalog.Create(code, message, WorkOrder.Id);
        Warnings.Add(warning);
        Log.WriteLine(warning.ToCanonicalString());
    }
}

/// <summary>The model use of a run, across its attempts.</summary>
internal sealed class RunUsage
{
    private readonly List<string> _cassetteKeys = [];

    public int Calls { get; private set; }
    public long InputTokens { get; private set; }
    public long OutputTokens { get; private set; }
    public decimal CostUsd { get; private set; }

    /// <summary>False once a call's model had no price: the cost is then a lower bound.</summary>
    public bool CostKnown { get; private set; } = true;

    /// <summary>The cassettes the run's calls were recorded to or replayed from, in call order.</summary>
    public IReadOnlyList<string> CassetteKeys => _cassetteKeys;

    /// <summary>Calls, tokens and cost per role, and per model (what <c>metrics.jsonl</c> reports).</summary>
    public SortedDictionary<string, Records.LlmUsageRecord> ByRole { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, Records.LlmUsageRecord> ByModel { get; } = new(StringComparer.Ordinal);

    public void Record(LlmResult result, string role, string model)
    {
        Calls++;
        if (result.CassetteKey is { } key && !_cassetteKeys.Contains(key)) _cassetteKeys.Add(key);
        var response = result.Response;
        // The response names the model that answered (a deployment may resolve to a dated one); failures the one asked.
        Add(ByRole, role, response);
        Add(ByModel, model, response);
        if (response is null) return;
        InputTokens += response.InputTokens;
        OutputTokens += response.OutputTokens;
        CostUsd += response.CostUsd;
        CostKnown &= response.PriceKnown;
    }

    private static void Add(SortedDictionary<string, Records.LlmUsageRecord> totals, string key, LlmResponse? response)
    {
        var t = totals.GetValueOrDefault(key) ?? new Records.LlmUsageRecord();
        totals[key] = t with
        {
            Calls = t.Calls + 1, InputTokens = t.InputTokens + (response?.InputTokens ?? 0), OutputTokens = t.OutputTokens + (response?.OutputTokens ?? 0),
            CostUsd = t.CostUsd + (response?.CostUsd ?? 0), CostKnown = t.CostKnown && (response?.PriceKnown ?? true),
        };
    }
}
