namespace LlmCompiler.Contracts;

/// <summary>A work order's <c>difficulty</c>: where its escalation ladder starts.</summary>
public enum WorkOrderDifficulty
{
    Easy,
    Medium,
    Hard,
}

/// <summary>The contract's spelling of <see cref="WorkOrderDifficulty"/>.</summary>
public static class WorkOrderDifficulties
{
    /// <summary>The difficulty named by <paramref name="text"/> (exactly <c>easy</c>, <c>medium</c> or <c>hard</c>), or null.</summary>
    public static WorkOrderDifficulty? Parse(string? text) => text switch
    {
        "easy" => WorkOrderDifficulty.Easy,
        "medium" => WorkOrderDifficulty.Medium,
        "hard" => WorkOrderDifficulty.Hard,
        _ => null,
    };

    public static string Format(WorkOrderDifficulty difficulty) => difficulty.ToString().ToLowerInvariant();
}
