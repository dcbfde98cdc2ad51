namespace LlmCompiler.Validation;

/// <summary>The one wording of W104, shared by the contract check and the factory so both say the same thing.</summary>
public static class EditedWorkOrderText
{
    public static string Message(string id, string commit) =>
        $"{id} differs from the version that landed in {commit[..Math.Min(12, commit.Length)]}; the landed version counts. To apply the change, revert that commit and run again with --force / LlmcRerun={id}";
}
