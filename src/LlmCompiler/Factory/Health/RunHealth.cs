using LlmCompiler.Configuration.Roles;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Factory.Health;

/// <summary>
/// The run's health budget, enforced: every attempt and every model call asks first (<see cref="BeforeAttempt"/>,
/// <see cref="BeforeCall"/>), and a run over a limit gets a diagnostic instead of the call. Over
/// <see cref="HealthLimits.MaxFailedWorkOrders"/> only new work stops (<see cref="BeforeStart"/>); over any other limit,
/// or when <see cref="HealthLimits.SystemicWorkOrders"/> different work orders fail with the same first tool diagnostic,
/// the whole run stops calling models. Thread-safe: parallel work orders share one budget.
/// </summary>
public sealed class RunHealth(HealthLimits limits)
{
    private readonly object _gate = new();
    private readonly HashSet<string> _failedWorkOrders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<string>> _bySignature = new(StringComparer.Ordinal);
    private int _failedAttempts;
    private int _transportFailures;
    private Diagnostic? _stopped;
    private Diagnostic? _noNewWork;

    public HealthLimits Limits => limits;

    public int FailedAttempts { get { lock (_gate) return _failedAttempts; } }
    public int TransportFailures { get { lock (_gate) return _transportFailures; } }

    /// <summary>Why the run stopped calling models, or null.</summary>
    public Diagnostic? Stopped { get { lock (_gate) return _stopped; } }

    /// <summary>Why the run starts no new work order (it may also have <see cref="Stopped"/>), or null.</summary>
    public Diagnostic? NoNewWork { get { lock (_gate) return _stopped ?? _noNewWork; } }

    /// <summary>Null when <paramref name="woId"/> may make another attempt; else why not.</summary>
    public Diagnostic? BeforeAttempt(string woId)
    {
        lock (_gate)
        {
            if (_stopped is null && _failedAttempts >= limits.MaxFailedAttempts)
            {
                _stopped = DiagnosticCatalog.Create(DiagnosticCodes.TooManyFailedAttempts,
                    $"the run stopped: {_failedAttempts} attempts failed, the health budget's limit (max_failed_attempts = {limits.MaxFailedAttempts}); no further model call is made");
            }
            return _stopped is null ? null : _stopped with { WoId = woId };
        }
    }

    /// <summary>Null when <paramref name="woId"/> may call a model now; else why not (the call is not sent).</summary>
    public Diagnostic? BeforeCall(string woId)
    {
        lock (_gate)
        {
            if (_stopped is null && _transportFailures >= limits.MaxTransportFailures)
            {
                _stopped = DiagnosticCatalog.Create(DiagnosticCodes.TooManyTransportFailures,
                    $"the run stopped: {_transportFailures} model calls failed in transport after their retries (max_transport_failures = {limits.MaxTransportFailures}); check the endpoint, then run again");
            }
        }
        return BeforeAttempt(woId);
    }

    /// <summary>Null when a new work order may start; else why not (E233 naming the reason).</summary>
    public Diagnostic? BeforeStart(string woId)
    {
        lock (_gate)
        {
            var reason = _stopped ?? _noNewWork;
            return reason is null ? null : DiagnosticCatalog.Create(DiagnosticCodes.StoppedByHealth, $"{woId} was not run: {reason.Code} {reason.Message}", woId);
        }
    }

    public void AttemptFailed()
    {
        lock (_gate) _failedAttempts++;
    }

    /// <summary>Counts a model call that failed with <paramref name="code"/> (only transport failures and deadlines count).</summary>
    public void CallFailed(string code)
    {
        if (code is not (DiagnosticCodes.TransportFailed or DiagnosticCodes.CallDeadline)) return;
        lock (_gate) _transportFailures++;
    }

    /// <summary>
    /// Records that <paramref name="woId"/> failed, with the first tool diagnostic of its failure (see
    /// <see cref="FailureSignature"/>). Returns the run-level diagnostic this failure triggered (E232 systemic, E230 too
    /// many failed work orders), once, or null.
    /// </summary>
    public Diagnostic? WorkOrderFailed(string woId, string? signature)
    {
        lock (_gate)
        {
            _failedWorkOrders.Add(woId);
            if (signature is not null)
            {
                if (!_bySignature.TryGetValue(signature, out var ids)) _bySignature[signature] = ids = new(StringComparer.Ordinal);
                ids.Add(woId);
                if (ids.Count >= HealthLimits.SystemicWorkOrders && _stopped?.Code != DiagnosticCodes.SystemicFailure)
                {
                    _stopped = DiagnosticCatalog.Create(DiagnosticCodes.SystemicFailure,
                        $"the run stopped: {string.Join(", ", ids)} all failed with the same first diagnostic ({signature}); this is probably the environment (a feed, an SDK, a missing tool), not the code — fix it, then run again");
                    return _stopped;
                }
            }
            if (_noNewWork is null && _failedWorkOrders.Count >= limits.MaxFailedWorkOrders)
            {
                _noNewWork = DiagnosticCatalog.Create(DiagnosticCodes.TooManyFailedWorkOrders,
                    $"no new work order is started: {_failedWorkOrders.Count} failed ({string.Join(", ", _failedWorkOrders.Order(StringComparer.Ordinal))}; max_failed_work_orders = {limits.MaxFailedWorkOrders}); running ones finish");
                return _noNewWork;
            }
            return null;
        }
    }
}
