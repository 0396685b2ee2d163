// A page that could not be shown: the API's own problem message, and a way back.
import type { FC } from "hono/jsx";
import { Layout } from "../layout.tsx";

export const ErrorPage: FC<{ title: string; message: string; csrf?: string }> = ({ title, message, csrf }) => (
  <Layout title={title} page="error" section="runs" {...(csrf === undefined ? {} : { csrf })}>
    <h1>{title}</h1>
    <p class="problem" role="alert">
      {message}
    </p>
    <p>
      <a href="/console">Back to the runs</a>
    </p>
  </Layout>
);
