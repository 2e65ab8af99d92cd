using BranchTasks.Testing;

// Every end-to-end test runs the packed product against a database server (private MariaDB or the PlanetScale double).
[assembly: AssemblyTrait(TestTraits.Needs, TestTraits.Server)]
