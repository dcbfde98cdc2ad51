using LlmCompiler.Configuration.Roles;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Factory.Escalation;

/// <summary>One rung of the ladder: a role and how many attempts it gets.</summary>
public sealed record LadderRung(ModelRole Role, int Attempts);

/// <summary>Where a work order is on its ladder: the rung, and the attempt on that rung (1-based).</summary>
public readonly record struct LadderPosition(int Rung, int AttemptOnRung);

/// <summary>How the last attempt ended, as the ladder reads it.</summary>
/// <param name="Code">Its diagnostic code (E209, E211, …).</param>
/// <param name="Retryable">Another attempt could change the outcome (false: preflight, write failure, a fatal model error).</param>
/// <param name="Repeated">The same answer failed the same way as the attempt before it.</param>
public readonly record struct AttemptVerdict(string Code, bool Retryable, bool Repeated = false);

/// <summary>Why a ladder stops.</summary>
public enum LadderStop
{
    /// <summary>The verdict is one no other attempt or model can fix.</summary>
    NotRetryable,

    /// <summary>Every rung used its attempts.</summary>
    Exhausted,

    /// <summary>The same answer failed the same way twice and no stronger rung is left (or may be used).</summary>
    Repeated,
}

/// <summary>The ladder's answer: the next attempt's role and position, or stop.</summary>
public sealed record LadderDecision(LadderPosition? Next, ModelRole? Role, LadderStop? Stop, bool Escalates)
{
    public static LadderDecision Run(LadderPosition next, ModelRole role, bool escalates) => new(next, role, null, escalates);
    public static LadderDecision Halt(LadderStop stop) => new(null, null, stop, false);
}

/// <summary>
/// The escalation ladder as a pure function (Autopack's retry policy, director's tiers; without their silent parts):
/// <c>easy</c>/<c>medium</c> work orders climb executor × its attempts then escalation × its attempts; <c>hard</c> ones
/// start at escalation (at least two attempts there, since they skip the executor's). Verdicts no model can fix stop
/// the ladder; verdicts a stronger model cannot fix either (flaky, budget, sandbox, test-first verdicts) may be retried
/// on the same rung but never escalate; two equal failing answers move on to the next rung instead of spending the
/// rest of this one.
/// </summary>
public sealed class EscalationLadder
{
    /// <summary>Codes that say nothing about the model's ability: a stronger model would meet the same wall.</summary>
    private static readonly HashSet<string> NeverEscalates = new(StringComparer.Ordinal)
    {
        DiagnosticCodes.PreconditionFalse, DiagnosticCodes.NotRed, DiagnosticCodes.RedForWrongReason, DiagnosticCodes.Flaky,
        DiagnosticCodes.BudgetExhausted, DiagnosticCodes.SandboxUnavailable, DiagnosticCodes.ChangedOutsideWorktree,
        DiagnosticCodes.VerifyExemptRefused, DiagnosticCodes.DirtyTree, DiagnosticCodes.RepositoryNotUsable,
        DiagnosticCodes.NoCredentials, DiagnosticCodes.CassetteMiss, DiagnosticCodes.CassetteInvalid,
        DiagnosticCodes.TransportFailed, DiagnosticCodes.CallDeadline, DiagnosticCodes.Cancelled,
        DiagnosticCodes.TooManyFailedAttempts, DiagnosticCodes.TooManyTransportFailures, DiagnosticCodes.SystemicFailure, DiagnosticCodes.StoppedByHealth,
    };

    public EscalationLadder(IReadOnlyList<LadderRung> rungs)
    {
        Rungs = [.. rungs.Where(r => r.Attempts > 0)];
    }

    public IReadOnlyList<LadderRung> Rungs { get; }

    /// <summary>Every attempt the ladder can give.</summary>
    public int TotalAttempts => Rungs.Sum(r => r.Attempts);

    /// <summary>The ladder of a work order of <paramref name="difficulty"/> with these roles.</summary>
    public static EscalationLadder For(WorkOrderDifficulty difficulty, ResolvedRole executor, ResolvedRole escalation)
    {
        var hasEscalation = escalation.Bound && escalation.Attempts > 0;
        if (difficulty == WorkOrderDifficulty.Hard && hasEscalation) return new([new(ModelRole.Escalation, Math.Max(2, escalation.Attempts))]);
        return new([new(ModelRole.Executor, executor.Attempts), .. hasEscalation ? new[] { new LadderRung(ModelRole.Escalation, escalation.Attempts) } : []]);
    }

    /// <summary>Whether a failure with <paramref name="code"/> may move a work order to a stronger model.</summary>
    public static bool MayEscalate(string code) => !NeverEscalates.Contains(code);

    /// <summary>The next attempt after <paramref name="current"/> ended with <paramref name="last"/>; null/null for the first attempt.</summary>
    public LadderDecision Next(LadderPosition? current, AttemptVerdict? last)
    {
        if (Rungs.Count == 0) return LadderDecision.Halt(LadderStop.Exhausted);
        if (current is not { } at || last is not { } verdict) return LadderDecision.Run(new LadderPosition(0, 1), Rungs[0].Role, escalates: false);
        if (!verdict.Retryable) return LadderDecision.Halt(LadderStop.NotRetryable);
        var mayEscalate = MayEscalate(verdict.Code);
        var rungLeft = !verdict.Repeated && at.AttemptOnRung < Rungs[at.Rung].Attempts;
        if (rungLeft) return LadderDecision.Run(at with { AttemptOnRung = at.AttemptOnRung + 1 }, Rungs[at.Rung].Role, escalates: false);
        if (mayEscalate && at.Rung + 1 < Rungs.Count) return LadderDecision.Run(new LadderPosition(at.Rung + 1, 1), Rungs[at.Rung + 1].Role, escalates: true);
        return LadderDecision.Halt(verdict.Repeated ? LadderStop.Repeated : LadderStop.Exhausted);
    }
}
