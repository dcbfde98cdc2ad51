namespace LlmCompiler.Factory;

/// <summary>The event names of a factory run's <c>journal.jsonl</c>, shared by the run and by recovery.</summary>
internal static class JournalEvents
{
    public const string RunStarted = "run_started";
    public const string WorktreePreparing = "worktree_preparing";
    public const string LlmCall = "llm_call";
    public const string WritesApplying = "writes_applying";
    public const string Command = "command";
    public const string CommandStarted = "command_started";
    public const string CommandFinished = "command_finished";
    public const string Committing = "committing";
    public const string Committed = "committed";
    public const string TestsFrozen = "tests_frozen";
    public const string AttemptFinished = "attempt_finished";
    public const string Landing = "landing";
    public const string Landed = "landed";
    public const string Kept = "kept";
    public const string RunFinished = "run_finished";
    public const string Recovered = "recovered";
    public const string Escalated = "escalated";
    public const string Reviewed = "reviewed";
    public const string HealthStopped = "health_stopped";
}
