using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

[TestClass]
public static class AssemblyHooks
{
    /// <summary>The packed package is shared by every end-to-end class (they run in parallel), so it goes last.</summary>
    [AssemblyCleanup]
    public static void DeletePackedPackage() => PackageFeed.CleanUp();
}
