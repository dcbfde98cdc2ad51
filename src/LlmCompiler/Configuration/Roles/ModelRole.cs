namespace LlmCompiler.Configuration.Roles;

/// <summary>The jobs a model does in a run; each is bound to a model (and optionally its own endpoint and key variable).</summary>
public enum ModelRole
{
    Planner,
    TestAuthor,
    Executor,
    Escalation,
    Reviewer,
}

/// <summary>The spelling of <see cref="ModelRole"/> in <c>llmc.json</c>, <c>LlmcRole</c> items, ledgers and cassette names.</summary>
public static class ModelRoles
{
    public static IReadOnlyList<ModelRole> All { get; } = [ModelRole.Planner, ModelRole.TestAuthor, ModelRole.Executor, ModelRole.Escalation, ModelRole.Reviewer];

    public static string Name(ModelRole role) => role switch
    {
        ModelRole.Planner => "planner",
        ModelRole.TestAuthor => "test_author",
        ModelRole.Executor => "executor",
        ModelRole.Escalation => "escalation",
        _ => "reviewer",
    };

    public static ModelRole? Parse(string? name) => All.Cast<ModelRole?>().FirstOrDefault(r => string.Equals(Name(r!.Value), name?.Trim(), StringComparison.OrdinalIgnoreCase));
}
