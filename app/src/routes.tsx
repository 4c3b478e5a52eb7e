import type { RouteObject } from "react-router";
import { AccountPage } from "./pages/Account.js";
import { DatanetPage, DatanetsPage } from "./pages/Datanet.js";
import { ExplorePage } from "./pages/Explore.js";
import { FactoryPage, JobPage } from "./pages/Factory.js";
import { GovernancePage } from "./pages/Governance.js";
import { KeepersPage } from "./pages/Keepers.js";
import { NotFoundPage } from "./pages/NotFound.js";
import { PlaygroundPage } from "./pages/Playground.js";

export const routes: RouteObject[] = [
  { index: true, element: <ExplorePage /> },
  { path: "datanets", element: <DatanetsPage /> },
  { path: "datanets/:id", element: <DatanetPage /> },
  { path: "factory", element: <FactoryPage /> },
  { path: "factory/jobs/:id", element: <JobPage /> },
  { path: "playground", element: <PlaygroundPage /> },
  { path: "account", element: <AccountPage /> },
  { path: "governance", element: <GovernancePage /> },
  { path: "keepers", element: <KeepersPage /> },
  // The IDE (editor, language workers) is loaded only when opened.
  { path: "graphql", lazy: () => import("./pages/GraphQL.js").then((m) => ({ Component: m.GraphQLPage })) },
  { path: "*", element: <NotFoundPage /> },
];
