using System.ClientModel.Primitives;
using System.Diagnostics;
using LlmCompiler.Diagnostics;
using LlmCompiler.Secrets;

namespace LlmCompiler.Llm;

/// <summary>
/// One run's door to the model: the OpenAI client, cassettes, cost ledger and budget together.
/// <para>
/// Budget policy: <see cref="LlmSettings.MaxCostUsd"/> and <see cref="LlmSettings.MaxTokens"/> limit <em>live</em>
/// spending only. Before each live call the worst case (prompt estimate at four characters per token, plus
/// <see cref="LlmSettings.MaxOutputTokens"/>) is reserved; a call that could overshoot is not sent (E306).
/// Replayed calls cost nothing and are never stopped by the budget, but their recorded usage and cost count
/// in <see cref="InputTokens"/>, <see cref="OutputTokens"/> and <see cref="CostUsd"/>, so a replayed run reports
/// the same totals as the run that recorded it.
/// </para>
/// Thread-safe: parallel callers share the budget through reservations.
/// </summary>
public sealed class LlmSession : ILlmClient, ILlmUsage, ILlmPreflight
{
    private static readonly HashSet<string> Roles = ["system", "user", "assistant"];

    private readonly LlmSettings _settings;
    private readonly PriceTable _prices;
    private readonly CassetteStore? _cassettes;
    private readonly CostLedger? _ledger;
    private readonly TimeProvider _time;
    private readonly Func<string, string?> _environment;
    private readonly PipelineTransport? _transport;
    private readonly SharedBudget? _shared;
    private readonly object _gate = new();
    private readonly List<string> _cassetteKeys = [];
    private readonly HashSet<string> _cassetteKeySet = new(StringComparer.Ordinal);
    private readonly List<Diagnostic> _recordingErrors = [];
    private readonly SortedSet<string> _unpriced = new(StringComparer.Ordinal);

    private int _calls;
    private int _hits;
    private long _inputTokens;
    private long _outputTokens;
    private decimal _cost;
    private long _liveTokens;
    private decimal _liveCost;
    private long _reservedTokens;
    private decimal _reservedCost;

    private LlmSession(LlmSettings settings, PriceTable prices, TimeProvider time, Func<string, string?> environment, PipelineTransport? transport)
    {
        _settings = settings;
        _prices = prices;
        _time = time;
        _environment = environment;
        _transport = transport;
        _cassettes = settings.Mode == LlmMode.Live || settings.CassettesDirectory is null ? null : new CassetteStore(settings.CassettesDirectory);
        _ledger = settings.LedgerPath is null ? null : new CostLedger(settings.LedgerPath);
        // Only a limit needs the run-wide totals; without one no call pays for the file lock.
        _shared = settings.SharedBudgetFile is { } shared && (settings.MaxCostUsd is not null || settings.MaxTokens is not null) ? new SharedBudget(shared) : null;
    }

    /// <summary>
    /// Checks the settings (E500) and loads the price table (E309). Returns the session or the diagnostics; never throws.
    /// </summary>
    /// <param name="environment">Reads environment variables; defaults to the process environment. The API key is
    /// read through it at each call, never stored.</param>
    /// <param name="transport">Replaces the SDK's HTTP transport (tests only).</param>
    public static (LlmSession? Session, IReadOnlyList<Diagnostic> Errors) Create(
        LlmSettings settings,
        TimeProvider? time = null,
        Func<string, string?>? environment = null,
        PipelineTransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        environment ??= Environment.GetEnvironmentVariable;
        var errors = settings.Validate(environment);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        if (CheckWritable(settings) is { } notWritable)
        {
            return (null, [notWritable]);
        }

        var (prices, priceError) = PriceTable.Load(settings.PriceTablePath);
        if (priceError is not null)
        {
            return (null, [priceError]);
        }

        return (new LlmSession(settings, prices!, time ?? TimeProvider.System, environment, transport), []);
    }

    public LlmSettings Settings => _settings;

    public int Calls { get { lock (_gate) { return _calls; } } }

    public int CassetteHits { get { lock (_gate) { return _hits; } } }

    public long InputTokens { get { lock (_gate) { return _inputTokens; } } }

    public long OutputTokens { get { lock (_gate) { return _outputTokens; } } }

    /// <summary>Cost of every call, replayed calls at their recorded usage.</summary>
    public decimal CostUsd { get { lock (_gate) { return _cost; } } }

    /// <summary>What this run actually spent (live calls only); the budget limits this.</summary>
    public decimal LiveCostUsd { get { lock (_gate) { return _liveCost; } } }

    public long LiveTokens { get { lock (_gate) { return _liveTokens; } } }

    /// <summary>
    /// Failures to write a cassette or a ledger line after a call had answered. The answer was still returned (no work is
    /// lost); front-ends should report these and fail the run at its end.
    /// </summary>
    public IReadOnlyList<Diagnostic> RecordingErrors { get { lock (_gate) { return [.. _recordingErrors]; } } }

    public IReadOnlyList<string> UnpricedModels { get { lock (_gate) { return [.. _unpriced]; } } }

    /// <summary>Cassette keys used (replayed or recorded), first use first, without duplicates.</summary>
    public IReadOnlyList<string> CassetteKeys { get { lock (_gate) { return [.. _cassetteKeys]; } } }

    /// <summary>
    /// In <c>live</c> and <c>record</c> mode every call goes to the endpoint, so a missing key fails them all: say so
    /// before anything starts. <c>auto</c> and <c>replay</c> may never need the key.
    /// </summary>
    public Diagnostic? Preflight()
    {
        if (_settings.Mode is not (LlmMode.Live or LlmMode.Record)) return null;
        var endpoint = _settings.ResolveEndpoint(_environment);
        if (!string.IsNullOrEmpty(_environment(_settings.ApiKeyEnvironmentVariable)) || LlmSettings.IsPrivateEndpoint(endpoint)) return null;
        return DiagnosticCatalog.Create(DiagnosticCodes.NoCredentials,
            $"The environment variable {LlmSettings.DescribeKeyVariable(_settings.ApiKeyEnvironmentVariable)} is not set, and {LlmSettings.Display(endpoint)} is not a loopback or "
            + $"private endpoint that could work without a key. Mode '{LlmSettings.FormatMode(_settings.Mode)}' calls the model every time, so nothing was started. "
            + "Set the variable, or use mode 'replay' (or 'auto') with recorded cassettes.");
    }

    public async Task<LlmResult> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();

        if (CheckRequest(request) is { } invalid)
        {
            return LlmResult.Fail(invalid);
        }

        var canonical = CanonicalRequest.From(_settings, request);
        var key = canonical.ComputeKey();

        if (_cassettes is not null && _settings.Mode is LlmMode.Replay or LlmMode.Auto)
        {
            var (cassette, error) = _cassettes.TryLoad(request.Purpose, key);
            if (error is not null)
            {
                return LlmResult.Fail(error);
            }

            if (cassette is not null)
            {
                return await ReplayAsync(request.Purpose, cassette).ConfigureAwait(false);
            }

            if (_settings.Mode == LlmMode.Replay)
            {
                return LlmResult.Fail(_cassettes.ExplainMiss(request.Purpose, canonical, key));
            }
        }

        return await CallLiveAsync(request, canonical, key, cancellationToken).ConfigureAwait(false);
    }

    private async Task<LlmResult> ReplayAsync(string purpose, Cassette cassette)
    {
        var known = _prices.TryGetPrice(cassette.Request.Model, out var price);
        var cost = known ? price.Cost(cassette.InputTokens, cassette.OutputTokens) : 0m;
        var exchange = new CompletedExchange(cassette.Text, cassette.Refusal, cassette.FinishReason, cassette.ResponseModel,
            cassette.InputTokens, cassette.OutputTokens, UsageReported: true, BodyBytes: 0);
        var error = Classify(exchange, cassette.Request.MaxOutputTokens);
        lock (_gate)
        {
            _calls++;
            _hits++;
            _inputTokens += cassette.InputTokens;
            _outputTokens += cassette.OutputTokens;
            _cost += cost;
            if (!known) _unpriced.Add(cassette.Request.Model);
            RememberKey(cassette.Key);
        }

        await AppendLedgerAsync(new LedgerEntry
        {
            Timestamp = _time.GetUtcNow(),
            Purpose = purpose,
            Model = cassette.ResponseModel,
            InputTokens = cassette.InputTokens,
            OutputTokens = cassette.OutputTokens,
            CostUsd = cost,
            PriceKnown = known,
            Source = "cassette",
            CassetteKey = cassette.Key,
            Outcome = error?.Code ?? "ok",
            FinishReason = cassette.FinishReason,
        }, null).ConfigureAwait(false);

        return error is not null
            ? LlmResult.Fail(error, cassette.Key)
            : LlmResult.Ok(new LlmResponse
            {
                Text = cassette.Text,
                Model = cassette.ResponseModel,
                FinishReason = cassette.FinishReason,
                InputTokens = cassette.InputTokens,
                OutputTokens = cassette.OutputTokens,
                CostUsd = cost,
                PriceKnown = known,
                Latency = TimeSpan.Zero,
                CassetteKey = cassette.Key,
                FromCassette = true,
            });
    }

    private async Task<LlmResult> CallLiveAsync(LlmRequest request, CanonicalRequest canonical, string key, CancellationToken cancellationToken)
    {
        var purpose = request.Purpose;
        var endpoint = request.Endpoint ?? _settings.ResolveEndpoint(_environment);
        var keyVariable = request.ApiKeyEnvironmentVariable ?? _settings.ApiKeyEnvironmentVariable;
        // Printed as scheme://host:port/path only: a key in the query string must not reach a message.
        var shown = LlmSettings.Display(endpoint);
        var apiKey = _environment(keyVariable);
        if (string.IsNullOrEmpty(apiKey))
        {
            if (!LlmSettings.IsPrivateEndpoint(endpoint))
            {
                return LlmResult.Fail(DiagnosticCatalog.Create(DiagnosticCodes.NoCredentials,
                    $"The environment variable {LlmSettings.DescribeKeyVariable(keyVariable)} is not set, and {shown} is not a loopback or "
                    + "private endpoint that could work without a key. Set the variable, or use mode 'replay' with recorded cassettes."));
            }

            // Local servers (Ollama, vLLM, LM Studio, llama.cpp) ignore the header; the SDK insists on a credential.
            apiKey = "no-key";
        }

        var known = _prices.TryGetPrice(canonical.Model, out var price);
        if (!known && _settings.MaxCostUsd is { } limit)
        {
            // A USD budget that cannot be priced is not a budget: refuse rather than let the call through uncounted.
            return LlmResult.Fail(DiagnosticCatalog.Create(DiagnosticCodes.BudgetExhausted,
                $"The cost budget (${limit:0.######}) cannot be enforced: the price table has no price for model '{canonical.Model}'. "
                + "Add the model to a price table (--price-table / LlmcPriceTable), or limit tokens instead (--max-tokens / LlmcMaxTokens). The call was not sent."));
        }
        var worstTokens = canonical.EstimateInputTokens() + canonical.MaxOutputTokens;
        var worstCost = known ? price.Cost(canonical.EstimateInputTokens(), canonical.MaxOutputTokens) : 0m;
        if (Reserve(purpose, canonical, worstTokens, worstCost) is { } overBudget)
        {
            return LlmResult.Fail(overBudget);
        }

        var attempts = CallAttempts.Begin();
        var started = Stopwatch.GetTimestamp();
        CompletedExchange? exchange = null;
        Diagnostic? error;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_settings.CallDeadline);
        try
        {
            (exchange, error) = await OpenAiChatTransport.CompleteAsync(_settings, endpoint, apiKey, canonical, _transport, deadline.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = deadline.IsCancellationRequested
                ? DiagnosticCatalog.Create(DiagnosticCodes.CallDeadline,
                    $"The {purpose} call to {shown} did not finish within the {_settings.CallDeadline.TotalSeconds:0.###} s deadline "
                    + $"({attempts.Count} attempt(s)).")
                : DiagnosticCatalog.Create(DiagnosticCodes.TransportFailed,
                    $"Calling {shown} failed: no response within the {_settings.NetworkTimeout.TotalSeconds:0.###} s network timeout, "
                    + $"{attempts.Count} attempt(s).");
        }
        catch (OperationCanceledException)
        {
            Release(worstTokens, worstCost);
            throw;
        }

        var latency = Stopwatch.GetElapsedTime(started);
        var inputTokens = 0;
        var outputTokens = 0;
        decimal cost = 0;
        if (exchange is not null)
        {
            // Servers that report no usage are charged by estimate so budgets still bite.
            inputTokens = exchange.UsageReported ? exchange.InputTokens : (int)canonical.EstimateInputTokens();
            outputTokens = exchange.UsageReported ? exchange.OutputTokens : (exchange.Text.Length + 3) / 4;
            exchange = exchange with { InputTokens = inputTokens, OutputTokens = outputTokens };
            cost = known ? price.Cost(inputTokens, outputTokens) : 0m;
            error = Classify(exchange, canonical.MaxOutputTokens);
        }

        Settle(worstTokens, worstCost, inputTokens + outputTokens, cost);
        lock (_gate)
        {
            _reservedTokens -= worstTokens;
            _reservedCost -= worstCost;
            _calls++;
            _inputTokens += inputTokens;
            _outputTokens += outputTokens;
            _cost += cost;
            _liveTokens += inputTokens + outputTokens;
            _liveCost += cost;
            if (!known && exchange is not null) _unpriced.Add(canonical.Model);
        }

        var recorded = exchange is not null && _cassettes is not null && _settings.Mode is LlmMode.Record or LlmMode.Auto
            && Record(purpose, canonical, key, exchange, apiKey);

        await AppendLedgerAsync(new LedgerEntry
        {
            Timestamp = _time.GetUtcNow(),
            Purpose = purpose,
            Model = exchange?.Model ?? canonical.Model,
            InputTokens = inputTokens,
            OutputTokens = outputTokens,
            CostUsd = cost,
            PriceKnown = known,
            Latency = latency,
            Source = "live",
            CassetteKey = recorded ? key : "",
            Attempts = attempts.Count,
            Outcome = error?.Code ?? "ok",
            FinishReason = exchange?.FinishReason,
        }, apiKey).ConfigureAwait(false);

        if (error is not null)
        {
            return LlmResult.Fail(error with { Message = new SecretRedactor([apiKey]).Redact(error.Message) }, recorded ? key : null);
        }

        return LlmResult.Ok(new LlmResponse
        {
            Text = exchange!.Text,
            Model = exchange.Model,
            FinishReason = exchange.FinishReason,
            InputTokens = inputTokens,
            OutputTokens = outputTokens,
            CostUsd = cost,
            PriceKnown = known,
            Latency = latency,
            CassetteKey = recorded || _cassettes is null ? key : "",
            FromCassette = false,
        });
    }

    private Diagnostic? Reserve(string purpose, CanonicalRequest canonical, long worstTokens, decimal worstCost)
    {
        lock (_gate)
        {
            var refusal = _shared is null
                ? Refusal(purpose, canonical, worstTokens, worstCost, _liveTokens + _reservedTokens, _liveCost + _reservedCost, "")
                : ReserveShared(purpose, canonical, worstTokens, worstCost);
            if (refusal is not null) return refusal;
            _reservedTokens += worstTokens;
            _reservedCost += worstCost;
            return null;
        }
    }

    private Diagnostic? ReserveShared(string purpose, CanonicalRequest canonical, long worstTokens, decimal worstCost)
    {
        try
        {
            return _shared!.Update<Diagnostic?>(t =>
            {
                var refusal = Refusal(purpose, canonical, worstTokens, worstCost, t.SpentTokens + t.ReservedTokens, t.SpentCost + t.ReservedCost, " by the run's work orders together");
                return refusal is null
                    ? (t with { ReservedTokens = t.ReservedTokens + worstTokens, ReservedCost = t.ReservedCost + worstCost }, (Diagnostic?)null)
                    : (null, refusal);
            });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.BudgetExhausted, $"The run's shared budget cannot be read, so it cannot be enforced ({ex.Message}). The call was not sent.");
        }
    }

    private Diagnostic? Refusal(string purpose, CanonicalRequest canonical, long worstTokens, decimal worstCost, long usedTokens, decimal usedCost, string whose)
    {
        if (_settings.MaxTokens is { } maxTokens && usedTokens + worstTokens > maxTokens)
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.BudgetExhausted,
                $"Token budget would be exceeded: the {purpose} call may use up to {worstTokens} tokens (prompt estimate at 4 characters "
                + $"per token plus {canonical.MaxOutputTokens} max output), and {usedTokens} of {maxTokens} are "
                + $"already spent or in flight{whose}. The call was not sent.");
        }

        if (_settings.MaxCostUsd is { } maxCost && usedCost + worstCost > maxCost)
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.BudgetExhausted,
                $"Cost budget would be exceeded: the {purpose} call may cost up to ${worstCost:0.######} ({canonical.Model}, worst case), "
                + $"and ${usedCost:0.######} of ${maxCost:0.######} is already spent or in flight{whose}. The call was not sent.");
        }
        return null;
    }

    /// <summary>Turns the run-wide reservation into what the call spent; a failure here must not lose the answer.</summary>
    private void Settle(long worstTokens, decimal worstCost, long spentTokens, decimal spentCost)
    {
        if (_shared is null) return;
        try
        {
            _shared.Update(t => (t with
            {
                ReservedTokens = Math.Max(0, t.ReservedTokens - worstTokens), ReservedCost = Math.Max(0, t.ReservedCost - worstCost),
                SpentTokens = t.SpentTokens + spentTokens, SpentCost = t.SpentCost + spentCost,
            }, 0));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            AddRecordingError(DiagnosticCatalog.Create(DiagnosticCodes.BudgetExhausted, $"The call's spending could not be added to the run's shared budget ({ex.Message}); the reservation stays counted."));
        }
    }

    private void Release(long worstTokens, decimal worstCost)
    {
        Settle(worstTokens, worstCost, 0, 0);
        lock (_gate)
        {
            _reservedTokens -= worstTokens;
            _reservedCost -= worstCost;
        }
    }

    /// <summary>Every answered exchange is recorded, failures included, so a replay fails the same way.</summary>
    private bool Record(string purpose, CanonicalRequest canonical, string key, CompletedExchange exchange, string apiKey)
    {
        var cassette = new Cassette
        {
            Key = key,
            Purpose = purpose,
            RecordedAt = _time.GetUtcNow(),
            Request = canonical,
            Text = exchange.Text,
            Refusal = exchange.Refusal,
            FinishReason = exchange.FinishReason,
            ResponseModel = exchange.Model,
            InputTokens = exchange.InputTokens,
            OutputTokens = exchange.OutputTokens,
        };

        // A prompt or answer that contains the key itself must never reach a file meant to be committed.
        if (apiKey.Length >= 8 && cassette.ToJson().Contains(apiKey, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            _cassettes!.Save(cassette);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            AddRecordingError(DiagnosticCatalog.Create(DiagnosticCodes.CassetteInvalid,
                $"The {purpose} answer could not be recorded in {_cassettes!.Directory}: {e.Message} The answer itself was used."));
            return false;
        }

        lock (_gate)
        {
            RememberKey(key);
        }

        return true;
    }

    private async Task AppendLedgerAsync(LedgerEntry entry, string? apiKey)
    {
        if (_ledger is null)
        {
            return;
        }

        entry = entry with
        {
            Purpose = new SecretRedactor([apiKey]).Redact(entry.Purpose),
            Model = new SecretRedactor([apiKey]).Redact(entry.Model),
        };
        try
        {
            // Not cancellable: the call is paid for, so its line is written even if the caller is cancelling.
            await _ledger.AppendAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            AddRecordingError(DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting,
                $"The cost ledger {_ledger.Path} could not be appended: {new SecretRedactor([apiKey]).Redact(e.Message)} The call's answer itself was used.",
                field: nameof(LlmSettings.LedgerPath)));
        }
    }

    private void AddRecordingError(Diagnostic diagnostic)
    {
        lock (_gate)
        {
            _recordingErrors.Add(diagnostic);
        }
    }

    private void RememberKey(string key)
    {
        if (_cassetteKeySet.Add(key))
        {
            _cassetteKeys.Add(key);
        }
    }

    private static Diagnostic? Classify(CompletedExchange exchange, int maxOutputTokens)
    {
        if (exchange.BodyBytes > OpenAiChatTransport.MaxResponseBytes || exchange.Text.Length > OpenAiChatTransport.MaxResponseBytes)
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.ResponseTooLarge,
                $"The response is larger than {OpenAiChatTransport.MaxResponseBytes / (1024 * 1024)} MiB ({Math.Max(exchange.BodyBytes, exchange.Text.Length)} bytes); it was not used.");
        }

        if (!string.IsNullOrEmpty(exchange.Refusal))
        {
            var refusal = exchange.Refusal.Length > 300 ? exchange.Refusal[..300] + "…" : exchange.Refusal;
            return DiagnosticCatalog.Create(DiagnosticCodes.Refused, $"The model refused: \"{refusal}\"");
        }

        if (exchange.FinishReason == "content_filter")
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.Refused, "The endpoint's content filter stopped the answer (finish reason content_filter).");
        }

        if (exchange.FinishReason == "length")
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.Truncated,
                $"The answer was cut at the token limit after {exchange.OutputTokens} output tokens (MaxOutputTokens = {maxOutputTokens}); "
                + "it is incomplete and was not used. Raise MaxOutputTokens or ask for less.");
        }

        if (string.IsNullOrWhiteSpace(exchange.Text))
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.Unparseable, $"The model returned empty content (finish reason {exchange.FinishReason}).");
        }

        return null;
    }

    /// <summary>Fails before the first (paid) call when the ledger or the cassette folder cannot be written.</summary>
    private static Diagnostic? CheckWritable(LlmSettings settings)
    {
        try
        {
            if (settings.LedgerPath is not null)
            {
                var full = Path.GetFullPath(settings.LedgerPath);
                var kind = IO.FileKinds.Of(full);
                if (kind is not (IO.FileKind.Missing or IO.FileKind.Regular)) throw new IO.ToolStateException($"'{full}' {IO.FileKinds.Describe(kind)}");
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                using var _ = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"The cost ledger '{settings.LedgerPath}' cannot be written: {e.Message}", field: nameof(LlmSettings.LedgerPath));
        }

        try
        {
            if (settings.Mode is LlmMode.Record or LlmMode.Auto && settings.CassettesDirectory is not null)
            {
                Directory.CreateDirectory(settings.CassettesDirectory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"The cassettes folder '{settings.CassettesDirectory}' cannot be created: {e.Message}", field: nameof(LlmSettings.CassettesDirectory));
        }

        return null;
    }

    private static Diagnostic? CheckRequest(LlmRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Purpose))
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, "An LLM request needs a purpose (planner, executor, …).", field: "Purpose");
        }

        if (request.Messages is null || request.Messages.Count == 0)
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"The {request.Purpose} request has no messages.", field: "Messages");
        }

        foreach (var message in request.Messages)
        {
            if (message is null || !Roles.Contains(message.Role) || message.Content is null)
            {
                return DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting,
                    $"The {request.Purpose} request has a message with role '{message?.Role}'; roles are system, user and assistant and content is required.",
                    field: "Messages");
            }
        }

        if (request.Model is not null && string.IsNullOrWhiteSpace(request.Model))
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"The {request.Purpose} request names an empty model; leave it unset to use the session's.", field: "Model");
        }

        if (request.Temperature is { } t && (float.IsNaN(t) || t < 0 || t > 2))
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"The {request.Purpose} request's temperature {t.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside 0..2.", field: "Temperature");
        }

        if (request.MaxOutputTokens is <= 0)
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"The {request.Purpose} request's output token limit must be positive.", field: "MaxOutputTokens");
        }

        if (request.JsonSchema is not null && string.IsNullOrWhiteSpace(request.JsonSchema))
        {
            return DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"The {request.Purpose} request has an empty JSON schema.", field: "JsonSchema");
        }

        return null;
    }
}
