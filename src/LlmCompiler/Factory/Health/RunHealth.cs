using LlmCompiler.Configuration.Roles;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Factory.Health;

/// <summary>
/// The run's health budget, enforced: every attempt and every model call asks first (<see cref="BeforeAttempt"/>,
/// <see cref="BeforeCall"/>), and a run over a limit gets a diagnostic instead of the call. Over
/// <see cref="HealthLimits.MaxFailedWorkOrders"/> only new work stops (<see cref="BeforeStart"/>); over any other limit,
/// or when <see cref="HealthLimits.SystemicWorkOrders"/> different work orders fail with the same first tool diagnostic,
/// the whole run stops calling models. Thread-safe; with a <see cref="HealthStore"/> file it is one budget for every
/// process of a fanned-out run (the MSBuild nodes).
/// </summary>
public sealed class RunHealth
{
    private readonly HealthLimits _limits;
    private readonly IHealthStore _store;

    public RunHealth(HealthLimits limits, string? sharedFile = null)
    {
        _limits = limits;
        _store = sharedFile is null ? new MemoryHealthStore() : new HealthStore(sharedFile);
    }

    public HealthLimits Limits => _limits;

    public int FailedAttempts => _store.Update<int>(s => (null, s.FailedAttempts));
    public int TransportFailures => _store.Update<int>(s => (null, s.TransportFailures));

    /// <summary>Why the run stopped calling models, or null.</summary>
    public Diagnostic? Stopped => _store.Update<Diagnostic?>(s => (null, s.Stopped));

    /// <summary>Null when <paramref name="woId"/> may make another attempt; else why not.</summary>
    public Diagnostic? BeforeAttempt(string woId) => _store.Update<Diagnostic?>(s =>
    {
        var t = WithLimitStop(s, transport: false);
        return (Changed(s, t), t.Stopped is { } reason ? reason with { WoId = woId } : null);
    });

    /// <summary>Null when <paramref name="woId"/> may call a model now; else why not (the call is not sent).</summary>
    public Diagnostic? BeforeCall(string woId) => _store.Update<Diagnostic?>(s =>
    {
        var t = WithLimitStop(s, transport: true);
        return (Changed(s, t), t.Stopped is { } reason ? reason with { WoId = woId } : null);
    });

    /// <summary>Null when a new work order may start; else why not (E233 naming the reason).</summary>
    public Diagnostic? BeforeStart(string woId) => _store.Update<Diagnostic?>(s =>
    {
        // A limit reached since the last check stops the run now, not only at the next attempt.
        var t = WithLimitStop(s, transport: true);
        var reason = t.Stopped ?? t.NoNewWork;
        return (Changed(s, t), reason is null ? null : DiagnosticCatalog.Create(DiagnosticCodes.StoppedByHealth, $"{woId} was not run: {reason.Code} {reason.Message}", woId));
    });

    /// <summary><paramref name="s"/>, stopped when it has reached the attempt limit (or, for a call, the transport limit).</summary>
    private HealthState WithLimitStop(HealthState s, bool transport)
    {
        if (s.Stopped is not null) return s;
        if (transport && s.TransportFailures >= _limits.MaxTransportFailures)
        {
            return s with
            {
                Stopped = DiagnosticCatalog.Create(DiagnosticCodes.TooManyTransportFailures,
                    $"the run stopped: {s.TransportFailures} model calls failed in transport after their retries (max_transport_failures = {_limits.MaxTransportFailures}); check the endpoint, then run again"),
            };
        }
        return s.FailedAttempts < _limits.MaxFailedAttempts ? s : s with
        {
            Stopped = DiagnosticCatalog.Create(DiagnosticCodes.TooManyFailedAttempts,
                $"the run stopped: {s.FailedAttempts} attempts failed, the health budget's limit (max_failed_attempts = {_limits.MaxFailedAttempts}); no further model call is made"),
        };
    }

    /// <summary>What to store: nothing when the check changed nothing (no file write in a shared budget).</summary>
    private static HealthState? Changed(HealthState before, HealthState after) => ReferenceEquals(before, after) ? null : after;

    public void AttemptFailed() => _store.Update<int>(s => (s with { FailedAttempts = s.FailedAttempts + 1 }, 0));

    /// <summary>Counts a model call that failed with <paramref name="code"/> (only transport failures and deadlines count).</summary>
    public void CallFailed(string code)
    {
        if (code is not (DiagnosticCodes.TransportFailed or DiagnosticCodes.CallDeadline)) return;
        _store.Update<int>(s => (s with { TransportFailures = s.TransportFailures + 1 }, 0));
    }

    /// <summary>
    /// Records that <paramref name="woId"/> failed, with the first tool diagnostic of its failure (see
    /// <see cref="FailureSignature"/>). Returns the run-level diagnostic this failure triggered (E232 systemic, E230 too
    /// many failed work orders), once, or null.
    /// </summary>
    public Diagnostic? WorkOrderFailed(string woId, string? signature) => _store.Update<Diagnostic?>(s =>
    {
        var failed = s.FailedWorkOrders.Contains(woId) ? s.FailedWorkOrders : [.. s.FailedWorkOrders, woId];
        var bySignature = new SortedDictionary<string, IReadOnlyList<string>>(s.BySignature.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
        s = s with { FailedWorkOrders = failed };
        if (signature is not null)
        {
            var ids = bySignature.TryGetValue(signature, out var known) ? known : [];
            if (!ids.Contains(woId)) ids = [.. ids.Append(woId).Order(StringComparer.Ordinal)];
            bySignature[signature] = ids;
            s = s with { BySignature = bySignature };
            if (ids.Count >= HealthLimits.SystemicWorkOrders && s.Stopped?.Code != DiagnosticCodes.SystemicFailure)
            {
                var stop = DiagnosticCatalog.Create(DiagnosticCodes.SystemicFailure,
                    $"the run stopped: {string.Join(", ", ids)} all failed with the same first diagnostic ({signature}); this is probably the environment (a feed, an SDK, a missing tool), not the code — fix it, then run again");
                return (s with { Stopped = stop }, stop);
            }
        }
        if (s.NoNewWork is null && failed.Count >= _limits.MaxFailedWorkOrders)
        {
            var stop = DiagnosticCatalog.Create(DiagnosticCodes.TooManyFailedWorkOrders,
                $"no new work order is started: {failed.Count} failed ({string.Join(", ", failed.Order(StringComparer.Ordinal))}; max_failed_work_orders = {_limits.MaxFailedWorkOrders}); running ones finish");
            return (s with { NoNewWork = stop }, stop);
        }
        return (s, null);
    });
}
