import { RedisQuery } from '../../types';

/** What each part of the query editor gets: the query, and where its changed copy goes. */
export interface QueryPartProps {
  query: RedisQuery;
  onChange: (query: RedisQuery) => void;
}
